//! Small helpers: time, randomness, base64, percent-decoding, RFC 3339 formatting.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Current Unix time in seconds.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Cryptographically random bytes (OpenSSL's CSPRNG).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    if openssl::rand::rand_bytes(&mut buf).is_err() {
        // The CSPRNG failing is not something a request can cause; fall back to time-derived
        // bytes so that the sandbox keeps answering (these values are never secrets that matter
        // beyond a test run).
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (t >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(31);
        }
    }
    buf
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `n` characters from `[0-9A-Za-z]`, uniformly (rejection sampling).
pub fn random_alnum(n: usize) -> String {
    random_from(ALNUM, n)
}

/// `n` decimal digits.
pub fn random_digits(n: usize) -> String {
    random_from(b"0123456789", n)
}

/// `n` upper-case hex digits.
pub fn random_hex_upper(n: usize) -> String {
    random_from(b"0123456789ABCDEF", n)
}

fn random_from(alphabet: &[u8], n: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in random_bytes(n * 2) {
            if (b as usize) < limit {
                out.push(alphabet[b as usize % alphabet.len()] as char);
                if out.len() == n {
                    break;
                }
            }
        }
    }
    out
}

pub fn b64(data: &[u8]) -> String {
    openssl::base64::encode_block(data)
}

pub fn unb64(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || s.bytes().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    openssl::base64::decode_block(s).ok()
}

/// Percent-decodes `s` (RFC 3986; `+` stays `+`). `None` on a malformed escape or non-UTF-8.
///
/// `percent-encoding` passes a malformed escape (`%zz`, a trailing `%4`) through unchanged, so
/// every `%` is checked for its two hex digits first: such a path or query is refused, not
/// taken literally.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let hex_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_hexdigit);
    let well_formed = b
        .iter()
        .enumerate()
        .all(|(i, &c)| c != b'%' || (hex_at(i + 1) && hex_at(i + 2)));
    if !well_formed {
        return None;
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|d| d.into_owned())
}

/// Parses a raw query string into decoded `(name, value)` pairs. `None` on bad encoding.
pub fn parse_query(q: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.push((percent_decode(k)?, percent_decode(v)?));
    }
    Some(out)
}

/// 400 Gregorian years in seconds: the calendar, weekdays included, repeats after them.
const GREGORIAN_CYCLE_SECS: i64 = 146_097 * 86_400;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A UTC instant as `httpdate` prints it (`Thu, 26 Nov 2026 22:30:36 GMT`), for any `i64`.
/// `httpdate` covers 1970 to 9999 only, so the instant is first moved by whole 400-year cycles
/// into 1970-2369 and the year moved back by as many cycles afterwards.
struct Civil {
    /// Always the 29-byte IMF-fixdate of the shifted instant.
    imf: String,
    year: i64,
}

impl Civil {
    fn of(unix: i64) -> Civil {
        let cycles = unix.div_euclid(GREGORIAN_CYCLE_SECS);
        let within = unix.rem_euclid(GREGORIAN_CYCLE_SECS).unsigned_abs();
        let imf = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(within));
        let year = imf.as_bytes()[12..16]
            .iter()
            .fold(0i64, |y, d| y * 10 + i64::from(d - b'0'));
        Civil {
            imf,
            year: year + 400 * cycles,
        }
    }

    fn weekday(&self) -> &str {
        &self.imf[0..3]
    }

    fn day(&self) -> &str {
        &self.imf[5..7]
    }

    fn month_name(&self) -> &str {
        &self.imf[8..11]
    }

    fn month(&self) -> usize {
        MONTHS
            .iter()
            .position(|m| *m == self.month_name())
            .unwrap_or(0)
            + 1
    }

    /// `hh:mm:ss`.
    fn clock(&self) -> &str {
        &self.imf[17..25]
    }
}

/// Formats Unix seconds as RFC 3339 in China Standard Time, e.g. `2025-09-09T10:00:00+08:00`.
/// No RFC 3339 crate is in the workspace, so this arranges `httpdate`'s fields.
pub fn rfc3339(unix: i64) -> String {
    // Wrapping, as the addition always did in release builds; no instant the sandbox formats
    // comes near the end of i64.
    let c = Civil::of(unix.wrapping_add(8 * 3600));
    format!(
        "{:04}-{:02}-{}T{}+08:00",
        c.year,
        c.month(),
        c.day(),
        c.clock()
    )
}

/// An HTTP `Date` value (IMF-fixdate, GMT), e.g. `Thu, 26 Nov 2026 22:30:36 GMT`.
pub fn http_date(unix: i64) -> String {
    let c = Civil::of(unix);
    format!(
        "{}, {} {} {:04} {} GMT",
        c.weekday(),
        c.day(),
        c.month_name(),
        c.year,
        c.clock()
    )
}

/// `YYYYMMDDhhmmss` in China Standard Time.
pub fn compact_time(unix: i64) -> String {
    let s = rfc3339(unix);
    s[..19].chars().filter(|c| c.is_ascii_digit()).collect()
}

/// True if `s` contains an ASCII or Unicode control character.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values below were produced by the hand-written percent-decoder and calendar
    // (days-to-civil) code these helpers replaced, and compared with the new helpers over every
    // escape byte and every day from 1899 to 2401 before that code was removed.

    #[test]
    fn percent_decode_keeps_the_old_answers() {
        for (input, want) in [
            ("+", Some("+")),
            ("a+b", Some("a+b")),
            ("%2F", Some("/")),
            ("%2f", Some("/")),
            ("%", None),
            ("%4", None),
            ("%zz", None),
            ("%%41", None),
            ("%4g", None),
            ("100%", None),
            ("%E2%82%AC", Some("\u{20ac}")),
            ("%E2%82", None),
            ("%FF", None),
            ("%00", Some("\0")),
        ] {
            assert_eq!(percent_decode(input).as_deref(), want, "{input:?}");
        }
        for b in 0u8..=255 {
            let want = b.is_ascii().then(|| format!("x{}y", b as char));
            assert_eq!(percent_decode(&format!("x%{b:02X}y")), want, "%{b:02X}");
            assert_eq!(percent_decode(&format!("x%{b:02x}y")), want, "%{b:02x}");
        }
    }

    #[test]
    fn dates_keep_the_old_answers() {
        for (unix, http, cst) in [
            (
                -2203891201i64,
                "Wed, 28 Feb 1900 23:59:59 GMT",
                "1900-03-01T07:59:59+08:00",
            ),
            (
                -2203891200,
                "Thu, 01 Mar 1900 00:00:00 GMT",
                "1900-03-01T08:00:00+08:00",
            ),
            (
                -1,
                "Wed, 31 Dec 1969 23:59:59 GMT",
                "1970-01-01T07:59:59+08:00",
            ),
            (
                -62135596800,
                "Mon, 01 Jan 0001 00:00:00 GMT",
                "0001-01-01T08:00:00+08:00",
            ),
            (
                -62167219200,
                "Sat, 01 Jan 0000 00:00:00 GMT",
                "0000-01-01T08:00:00+08:00",
            ),
            (
                951782399,
                "Mon, 28 Feb 2000 23:59:59 GMT",
                "2000-02-29T07:59:59+08:00",
            ),
            (
                951782400,
                "Tue, 29 Feb 2000 00:00:00 GMT",
                "2000-02-29T08:00:00+08:00",
            ),
            (
                951868800,
                "Wed, 01 Mar 2000 00:00:00 GMT",
                "2000-03-01T08:00:00+08:00",
            ),
            (
                1709251199,
                "Thu, 29 Feb 2024 23:59:59 GMT",
                "2024-03-01T07:59:59+08:00",
            ),
            (
                4107542400,
                "Mon, 01 Mar 2100 00:00:00 GMT",
                "2100-03-01T08:00:00+08:00",
            ),
            (
                13574563200,
                "Tue, 29 Feb 2400 00:00:00 GMT",
                "2400-02-29T08:00:00+08:00",
            ),
            (
                253402300799,
                "Fri, 31 Dec 9999 23:59:59 GMT",
                "10000-01-01T07:59:59+08:00",
            ),
            (
                253402300800,
                "Sat, 01 Jan 10000 00:00:00 GMT",
                "10000-01-01T08:00:00+08:00",
            ),
            (
                1000000000000,
                "Fri, 27 Sep 33658 01:46:40 GMT",
                "33658-09-27T09:46:40+08:00",
            ),
        ] {
            assert_eq!(http_date(unix), http, "http_date({unix})");
            assert_eq!(rfc3339(unix), cst, "rfc3339({unix})");
        }
    }

    #[test]
    fn http_dates_parse_back_and_repeat_every_400_years() {
        let cycle = GREGORIAN_CYCLE_SECS;
        let year = |s: &str| s[12..s.len() - 13].parse::<i64>().expect("year");
        let mut u = -3 * cycle;
        while u < 253_402_300_800 {
            let s = http_date(u);
            if u >= 0 {
                let back = httpdate::parse_http_date(&s).expect("parses");
                assert_eq!(
                    back,
                    UNIX_EPOCH + Duration::from_secs(u.unsigned_abs()),
                    "{s}"
                );
            }
            // 400 years later: the same weekday, day, month and time, the year 400 on.
            let later = http_date(u + cycle);
            assert_eq!(year(&later), year(&s) + 400, "{s} / {later}");
            assert_eq!(
                (&later[..12], &later[later.len() - 13..]),
                (&s[..12], &s[s.len() - 13..])
            );
            u += 7 * 86_400 + 3_607;
        }
    }

    #[test]
    fn http_date_known() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_795_732_236), "Thu, 26 Nov 2026 22:30:36 GMT");
    }

    #[test]
    fn rfc3339_known() {
        assert_eq!(rfc3339(0), "1970-01-01T08:00:00+08:00");
        assert_eq!(rfc3339(1_757_383_200), "2025-09-09T10:00:00+08:00");
        assert_eq!(compact_time(1_757_383_200), "20250909100000");
    }

    #[test]
    fn percent() {
        assert_eq!(percent_decode("a%2Fb%20c+").as_deref(), Some("a/b c+"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(
            parse_query("control_type=RECOVER&mchid=1900000100"),
            Some(vec![
                ("control_type".into(), "RECOVER".into()),
                ("mchid".into(), "1900000100".into())
            ])
        );
    }

    #[test]
    fn random_shapes() {
        let a = random_alnum(32);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, random_alnum(32));
        assert!(random_hex_upper(40)
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
    }
}
