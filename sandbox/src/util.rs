//! Small helpers: time, randomness, base64, percent-decoding, RFC 3339 formatting.

use std::time::{SystemTime, UNIX_EPOCH};

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
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_val(*bytes.get(i + 1)?)?;
            let lo = hex_val(*bytes.get(i + 2)?)?;
            out.push(hi * 16 + lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
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

/// Formats Unix seconds as RFC 3339 in China Standard Time, e.g. `2025-09-09T10:00:00+08:00`.
pub fn rfc3339(unix: i64) -> String {
    let local = unix + 8 * 3600;
    let days = local.div_euclid(86400);
    let secs = local.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        y,
        m,
        d,
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// An HTTP `Date` value (IMF-fixdate, GMT), e.g. `Thu, 26 Nov 2026 22:30:36 GMT`.
pub fn http_date(unix: i64) -> String {
    let days = unix.div_euclid(86400);
    let secs = unix.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(m - 1) as usize];
    format!(
        "{wd}, {d:02} {mon} {y:04} {:02}:{:02}:{:02} GMT",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// `YYYYMMDDhhmmss` in China Standard Time.
pub fn compact_time(unix: i64) -> String {
    let s = rfc3339(unix);
    s[..19].chars().filter(|c| c.is_ascii_digit()).collect()
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// True if `s` contains an ASCII or Unicode control character.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

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
