//! Text that came from the network, made safe to quote: bounded in length and with every
//! control character escaped, so a message stays one line and cannot forge a log line or
//! drive an operator's terminal.

use std::fmt::Write;

/// The longest platform `message` kept in an error.
pub(crate) const MESSAGE_MAX_CHARS: usize = 512;
/// The longest platform `code` kept in an error, in bytes. Documented codes are short
/// upper-case words.
pub(crate) const CODE_MAX_BYTES: usize = 64;
/// The longest Request-ID quoted in a formatted message; the `request_id` field keeps it whole.
pub(crate) const REQUEST_ID_QUOTE_CHARS: usize = 80;
/// The platform's `detail` object is kept as JSON text up to this many bytes.
pub(crate) const DETAIL_MAX_BYTES: usize = 64 * 1024;
/// An excerpt of a body that is not the documented JSON.
pub(crate) const EXCERPT_MAX_CHARS: usize = 200;
/// Any one log line.
pub(crate) const LOG_LINE_MAX_CHARS: usize = 4096;

/// `s` with control characters escaped (`\r`, `\n`, `\t`, `\u{1b}`, …) and cut to `max`
/// characters, with `…` marking a cut.
pub(crate) fn clean(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 8));
    for (count, c) in s.chars().enumerate() {
        if count >= max {
            out.push('…');
            return out;
        }
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_format_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// `clean(s)` in at most `max_bytes` bytes (`…` included), for fields such as a platform code
/// that callers store in fixed-size columns.
pub(crate) fn clean_bytes(s: &str, max_bytes: usize) -> String {
    let mut out = clean(s, max_bytes);
    if out.len() <= max_bytes {
        return out;
    }
    let mut end = max_bytes.saturating_sub('…'.len_utf8());
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out.push('…');
    out
}

/// True when `s` needs no escaping and is at most `max` characters: `clean` would return it
/// unchanged. Lets the common case skip an allocation.
pub(crate) fn is_clean(s: &str, max: usize) -> bool {
    s.chars().take(max + 1).count() <= max
        && !s.chars().any(|c| c.is_control() || is_format_char(c))
}

/// Invisible characters that reorder or hide text on a terminal (bidirectional overrides and
/// zero-width marks).
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// A `journal` value as messages may show it: `postgresql://wx:***@host/db`. Whatever sits
/// between the user name and the last `@` is masked, also in a mistyped URL
/// (`postgresql:/wx:pw@h`) that would otherwise be taken for a path; the rest is bounded and
/// escaped.
pub(crate) fn redact_journal(value: &str) -> String {
    let masked = match value.rfind('@') {
        Some(at) => {
            let head = &value[..at];
            let begin = match head.find("://") {
                Some(i) => i + 3,
                None => match head.find(':') {
                    Some(i)
                        if head[..i]
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
                    {
                        i + 1 + head[i + 1..].len() - head[i + 1..].trim_start_matches('/').len()
                    }
                    _ => 0,
                },
            };
            // The password starts at the first colon after the scheme, or at the first colon
            // at all when the value has no recognisable scheme.
            let colon = head[begin..]
                .find(':')
                .map(|c| begin + c)
                .or_else(|| (!head.contains("://")).then(|| head.find(':')).flatten());
            match colon {
                Some(colon) => format!("{}:***{}", &value[..colon], &value[at..]),
                None => value.to_string(),
            }
        }
        None => value.to_string(),
    };
    clean(&masked, 200)
}

/// `redis://user:secret@host:port/db` without the credentials.
pub(crate) fn redact_url(spec: &str) -> String {
    match spec.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://<credentials>@{host}"),
            None => spec.to_string(),
        },
        None => spec.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_password_is_masked_even_in_a_mistyped_url() {
        assert_eq!(
            redact_journal("postgresql://wx:pw@h:5/db"),
            "postgresql://wx:***@h:5/db"
        );
        assert_eq!(
            redact_journal("postgresql:/wx:p/w@h/db"),
            "postgresql:/wx:***@h/db"
        );
        assert_eq!(redact_journal("postgres://wx@h/db"), "postgres://wx@h/db");
        assert_eq!(
            redact_journal("/var/lib/wx/j.sqlite"),
            "/var/lib/wx/j.sqlite"
        );
        assert_eq!(redact_journal("wx:a@b"), "wx:***@b");
    }

    #[test]
    fn credentials_never_reach_a_message() {
        assert_eq!(
            redact_url("redis://u:pw@h:1/0"),
            "redis://<credentials>@h:1/0"
        );
        assert_eq!(redact_url("redis://h:1/0"), "redis://h:1/0");
    }

    #[test]
    fn control_characters_are_escaped_and_length_is_bounded() {
        assert_eq!(clean("plain", 10), "plain");
        assert_eq!(
            clean("bad\r\n2026-01-01 INFO forged", 100),
            "bad\\r\\n2026-01-01 INFO forged"
        );
        assert_eq!(clean("\x1b[2J", 10), "\\u{1b}[2J");
        assert_eq!(clean("a\u{202e}b", 10), "a\\u{202e}b");
        assert_eq!(clean(&"x".repeat(600_000), 512).chars().count(), 513);
        assert_eq!(clean_bytes(&"C".repeat(100), 64).len(), 64);
        assert!(clean_bytes(&"解".repeat(100), 64).len() <= 64);
        assert_eq!(clean_bytes("SHORT", 64), "SHORT");
        assert!(is_clean("ok", 2));
        assert!(!is_clean("okk", 2));
        assert!(!is_clean("a\nb", 10));
    }
}
