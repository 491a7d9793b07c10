//! Logging: a per-client sink (a C callback, a Python or Java bridge, or a Rust closure) plus an
//! optional process-wide file sink from the environment, for operators and for the test that
//! scans every line for secrets.
//!
//! Lines carry method, path, status, Request-ID, attempts and timings. They never carry key
//! material, Authorization values, request bodies or the plaintext `bal_account_no`.

use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Mutex, RwLock};

use once_cell::sync::Lazy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

impl Level {
    /// 1..=5 map to Error..Trace; anything else is `None` (logging off).
    pub fn from_int(v: i64) -> Option<Level> {
        match v {
            1 => Some(Level::Error),
            2 => Some(Level::Warn),
            3 => Some(Level::Info),
            4 => Some(Level::Debug),
            5 => Some(Level::Trace),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Some(Level::Error),
            "warn" | "warning" => Some(Level::Warn),
            "info" => Some(Level::Info),
            "debug" => Some(Level::Debug),
            "trace" => Some(Level::Trace),
            _ => None,
        }
    }
}

pub type Sink = dyn Fn(Level, &str) + Send + Sync;

/// `WX_RECOVER_LOG=trace|debug|info|warn|error` with `WX_RECOVER_LOG_FILE=PATH` appends every
/// client's lines to PATH.
static ENV_SINK: Lazy<Option<(Level, Mutex<File>)>> = Lazy::new(|| {
    let level = Level::parse(&std::env::var("WX_RECOVER_LOG").ok()?)?;
    let path = std::env::var("WX_RECOVER_LOG_FILE").ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()?;
    Some((level, Mutex::new(file)))
});

#[derive(Default)]
pub struct Logger {
    sink: RwLock<Option<(Level, Arc<Sink>)>>,
}

impl Logger {
    /// Replaces the sink; `None` turns the client's own logging off.
    pub fn set(&self, sink: Option<(Level, Arc<Sink>)>) {
        *self.sink.write().unwrap_or_else(|p| p.into_inner()) = sink;
    }

    pub fn enabled(&self, level: Level) -> bool {
        let own = matches!(&*self.sink.read().unwrap_or_else(|p| p.into_inner()), Some((max, _)) if level <= *max);
        own || matches!(&*ENV_SINK, Some((max, _)) if level <= *max)
    }

    /// Formats the line only when someone listens. The sink runs on the calling thread, without
    /// any lock held, so it may call back into the library.
    pub fn log(&self, level: Level, line: impl FnOnce() -> String) {
        if !self.enabled(level) {
            return;
        }
        // Every line is one bounded line, whatever network text it quotes.
        let mut line = line();
        if !crate::core::text::is_clean(&line, crate::core::text::LOG_LINE_MAX_CHARS) {
            line = crate::core::text::clean(&line, crate::core::text::LOG_LINE_MAX_CHARS);
        }
        let own = self
            .sink
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .filter(|(max, _)| level <= *max)
            .map(|(_, s)| Arc::clone(s));
        if let Some(sink) = own {
            sink(level, &line);
        }
        if let Some((max, file)) = &*ENV_SINK {
            if level <= *max {
                let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
                let _ = writeln!(f, "wx-recover {} {}", level.as_str(), line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_filter_and_sinks_replace() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let l = Logger::default();
        let s2 = Arc::clone(&seen);
        l.set(Some((
            Level::Info,
            Arc::new(move |lv, m: &str| s2.lock().unwrap().push((lv, m.to_string()))),
        )));
        l.log(Level::Info, || "kept".into());
        l.log(Level::Debug, || "filtered".into());
        l.set(None);
        l.log(Level::Error, || "after off".into());
        assert_eq!(
            *seen.lock().unwrap(),
            vec![(Level::Info, "kept".to_string())]
        );
        let s3 = Arc::clone(&seen);
        l.set(Some((
            Level::Info,
            Arc::new(move |lv, m: &str| s3.lock().unwrap().push((lv, m.to_string()))),
        )));
        l.log(Level::Warn, || "bad\r\nINFO forged".into());
        assert_eq!(seen.lock().unwrap()[1].1, "bad\\r\\nINFO forged");
        assert_eq!(Level::from_int(5), Some(Level::Trace));
        assert_eq!(Level::from_int(0), None);
    }
}
