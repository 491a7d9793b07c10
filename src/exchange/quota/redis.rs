//! The fleet-wide store (`rate_limit_store: "redis://HOST:PORT/DB"`): every process on every
//! host that names the same Redis shares its buckets. Each bucket is a sorted set of entries
//! scored by expiry on the Redis server's own clock, so hosts whose clocks differ still agree.
//! The check-and-take is one Lua script, one atomic step on the server.

use std::io;
use std::sync::Mutex;
use std::time::Duration;

use super::bucket::Take;
use super::Store;

/// KEYS[1] bucket; ARGV[1] limit, ARGV[2] member, ARGV[3] hold in ms.
/// Returns 0 when taken, else the milliseconds until the earliest entry expires.
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hold = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[2])
  if redis.call('PTTL', KEYS[1]) < hold + 1000 then
    redis.call('PEXPIRE', KEYS[1], hold + 1000)
  end
  return 0
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(first[2]) - now)
";

/// KEYS[1] bucket; ARGV[1] member, ARGV[2] window in ms. The entry now expires one window
/// from the server's now (added back if it had already expired).
const RESTAMP: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + window, ARGV[1])
if redis.call('PTTL', KEYS[1]) < window + 1000 then
  redis.call('PEXPIRE', KEYS[1], window + 1000)
end
return 0
";

/// How many connections a client keeps; a call that finds none idle opens one for itself
/// and closes it after, so the number open stays bounded by the number of threads.
const IDLE_CONNECTIONS: usize = 4;

pub(crate) struct RedisStore {
    client: redis::Client,
    timeout: Duration,
    idle: Mutex<Vec<redis::Connection>>,
    take: redis::Script,
    restamp: redis::Script,
}

impl RedisStore {
    /// Parses the URL; connects lazily, at the first call.
    pub fn new(url: &str, timeout: Duration) -> Result<RedisStore, String> {
        let client = redis::Client::open(url).map_err(|e| e.to_string())?;
        Ok(RedisStore {
            client,
            timeout,
            idle: Mutex::new(Vec::new()),
            take: redis::Script::new(TAKE),
            restamp: redis::Script::new(RESTAMP),
        })
    }

    /// An idle connection, if there is one, and whether it was idle.
    fn connection(&self) -> io::Result<(redis::Connection, bool)> {
        if let Some(c) = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok((c, true));
        }
        Ok((self.connect()?, false))
    }

    fn connect(&self) -> io::Result<redis::Connection> {
        // redis 0.32 unwraps a failed TLS handshake on its connect-with-timeout path (a wrong
        // CA, or a server below TLS 1.2): that panic is this store's connection error, not the
        // caller's, so it is caught here and reported like any other.
        let client = &self.client;
        let timeout = self.timeout;
        let connected = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            client.get_connection_with_timeout(timeout)
        }))
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "TLS handshake with the store failed (certificate or protocol version; TLS 1.2 is the minimum)",
            )
        })?;
        let c = connected.map_err(to_io)?;
        c.set_read_timeout(Some(self.timeout)).map_err(to_io)?;
        c.set_write_timeout(Some(self.timeout)).map_err(to_io)?;
        Ok(c)
    }

    fn run<T: redis::FromRedisValue>(
        &self,
        f: impl Fn(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> io::Result<T> {
        let (mut c, was_idle) = self.connection()?;
        let mut outcome = f(&mut c);
        if was_idle
            && outcome
                .as_ref()
                .is_err_and(|e| e.is_connection_dropped() || e.is_io_error())
        {
            // An idle connection the server closed (a restart, its idle `timeout`): one more
            // try on a new one before the store counts as down. If the first try did take a
            // slot, the second takes another: an over-count, which only ever holds calls back.
            self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
            c = self.connect()?;
            outcome = f(&mut c);
        }
        match outcome {
            Ok(v) => {
                let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                if idle.len() < IDLE_CONNECTIONS {
                    idle.push(c);
                }
                Ok(v)
            }
            Err(e) => {
                // A broken connection is dropped, and so are the idle ones: they went to the
                // same server and are likely broken too.
                self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
                Err(to_io(e))
            }
        }
    }
}

fn to_io(e: redis::RedisError) -> io::Error {
    let kind = if e.is_timeout() {
        io::ErrorKind::TimedOut
    } else {
        io::ErrorKind::Other
    };
    io::Error::new(kind, e.to_string())
}

impl Store for RedisStore {
    fn take(&self, key: &str, member: &str, limit: u32, hold_ms: u64) -> io::Result<Take> {
        let wait: u64 = self.run(|c| {
            self.take
                .key(key)
                .arg(limit)
                .arg(member)
                .arg(hold_ms)
                .invoke(c)
        })?;
        Ok(if wait == 0 {
            Take::Taken
        } else {
            Take::FullFor(wait)
        })
    }

    fn restamp(&self, key: &str, member: &str, window_ms: u64) -> io::Result<()> {
        self.run(|c| {
            self.restamp
                .key(key)
                .arg(member)
                .arg(window_ms)
                .invoke::<i64>(c)
        })
        .map(|_| ())
    }

    fn cancel(&self, key: &str, member: &str) -> io::Result<()> {
        self.run(|c| redis::cmd("ZREM").arg(key).arg(member).query::<i64>(c))
            .map(|_| ())
    }
}
