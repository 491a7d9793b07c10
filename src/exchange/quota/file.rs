//! The host-wide store (`rate_limit_store: "file:PATH"`): every process on this host that
//! names the same file shares its buckets. Each check-and-take holds an exclusive `flock` on
//! the file for the few microseconds it takes to read, update and rewrite it. The kernel
//! drops the lock of a process that dies, so a crashed process never wedges the others; a
//! process that holds the lock while stopped makes the others time out and fall back.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::bucket::{Bucket, Take};
use super::Store;

/// The state file is a few lines per bucket; anything much larger is not ours.
const MAX_STATE_BYTES: u64 = 4 << 20;

pub(crate) struct FileStore {
    path: PathBuf,
    timeout: Duration,
    file: Mutex<Option<File>>,
}

impl FileStore {
    pub fn new(path: &Path, timeout: Duration) -> FileStore {
        FileStore {
            path: path.to_path_buf(),
            timeout,
            file: Mutex::new(None),
        }
    }

    /// Runs `f` on the buckets with the file locked, then writes them back.
    fn with_buckets<T>(
        &self,
        f: impl FnOnce(u64, &mut BTreeMap<String, Bucket>) -> T,
    ) -> io::Result<T> {
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .mode(0o600)
                    .open(&self.path)?,
            );
        }
        let file = guard
            .as_ref()
            .ok_or_else(|| io::Error::other("state file not open"))?;
        let result = self.locked(file, f);
        if result.is_err() {
            // Reopen next time: the file may have been replaced or its filesystem gone.
            *guard = None;
        }
        result
    }

    fn locked<T>(
        &self,
        file: &File,
        f: impl FnOnce(u64, &mut BTreeMap<String, Bucket>) -> T,
    ) -> io::Result<T> {
        let fd = file.as_raw_fd();
        let give_up = Instant::now() + self.timeout;
        // SAFETY: `fd` is an open descriptor owned by `file` for this whole call.
        while unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EWOULDBLOCK) && e.kind() != io::ErrorKind::Interrupted
            {
                return Err(e);
            }
            if Instant::now() >= give_up {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "another process held the lock for longer than rate_limit_store_timeout_ms",
                ));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let outcome = (|| {
            let len = file.metadata()?.len();
            if len > MAX_STATE_BYTES {
                return Err(io::Error::other(format!(
                    "state file larger than {MAX_STATE_BYTES} bytes"
                )));
            }
            let mut raw = vec![0u8; len as usize];
            file.read_exact_at(&mut raw, 0)?;
            let mut buckets = parse(&String::from_utf8_lossy(&raw));
            let now = unix_ms();
            let out = f(now, &mut buckets);
            buckets.retain(|_, b| {
                b.entries.retain(|(_, at)| *at > now);
                !b.is_empty()
            });
            let text = render(&buckets);
            // Written in place, then cut to length: a process killed between the two leaves
            // a longer file whose extra lines still parse or are skipped.
            file.write_all_at(text.as_bytes(), 0)?;
            file.set_len(text.len() as u64)?;
            Ok(out)
        })();
        // SAFETY: as above.
        unsafe { libc::flock(fd, libc::LOCK_UN) };
        outcome
    }
}

impl Store for FileStore {
    fn take(&self, key: &str, member: &str, limit: u32, hold_ms: u64) -> io::Result<Take> {
        self.with_buckets(|now, b| {
            b.entry(key.to_string())
                .or_default()
                .take(now, member, limit, hold_ms)
        })
    }

    fn restamp(&self, key: &str, member: &str, window_ms: u64) -> io::Result<()> {
        self.with_buckets(|now, b| {
            b.entry(key.to_string())
                .or_default()
                .restamp(now, member, window_ms)
        })
    }

    fn cancel(&self, key: &str, member: &str) -> io::Result<()> {
        self.with_buckets(|_, b| {
            if let Some(bucket) = b.get_mut(key) {
                bucket.cancel(member);
            }
        })
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One line per entry: `key member expires_at_ms`. Lines that do not parse are skipped.
fn parse(text: &str) -> BTreeMap<String, Bucket> {
    let mut buckets: BTreeMap<String, Bucket> = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        if let (Some(key), Some(member), Some(at), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        {
            if let Ok(at) = at.parse::<u64>() {
                let bucket = buckets.entry(key.to_string()).or_default();
                if !bucket.entries.iter().any(|(m, _)| m == member) {
                    bucket.entries.push((member.to_string(), at));
                }
            }
        }
    }
    buckets
}

fn render(buckets: &BTreeMap<String, Bucket>) -> String {
    let mut out = String::new();
    for (key, b) in buckets {
        for (member, at) in &b.entries {
            out.push_str(&format!("{key} {member} {at}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_stores_on_one_file_share_its_buckets_and_garbage_is_skipped() {
        let dir = std::env::temp_dir().join(format!("wx-quota-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("quota");
        std::fs::write(&path, "not a line\nk m notanumber\n").unwrap();
        let a = FileStore::new(&path, Duration::from_secs(1));
        let b = FileStore::new(&path, Duration::from_secs(1));
        assert_eq!(a.take("k", "1", 2, 60_000).unwrap(), Take::Taken);
        assert_eq!(b.take("k", "2", 2, 60_000).unwrap(), Take::Taken);
        assert!(matches!(
            a.take("k", "3", 2, 60_000).unwrap(),
            Take::FullFor(_)
        ));
        assert_eq!(b.take("other", "3", 2, 60_000).unwrap(), Take::Taken);
        a.restamp("k", "1", 60_000).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
