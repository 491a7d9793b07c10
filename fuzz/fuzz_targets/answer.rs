//! The answer path (`wx_recover::fuzzing::answer`): a fuzzer-chosen status, header list and
//! body together, as a hostile or broken server could send them. Headers may repeat, hold
//! control characters or be huge; with `S` the body is signed as the platform signs it, so
//! inputs get past verification into the body rules.
//!
//! Input (text, so seeds stay readable; see fuzz/corpus/answer/):
//!
//! ```text
//! <status> [S]                 S: prepend valid Wechatpay-Timestamp/-Nonce/-Serial/-Signature
//! <name>:<value>               any bytes but '\n'; a trailing '\r' is kept
//! <count>*<name>:<value>       the value repeated count times (at most 1 MiB)
//!                              (empty line)
//! <body>                       the rest, raw
//! ```
#![no_main]
use libfuzzer_sys::fuzz_target;
use wx_recover_fuzz as fx;

/// Longest formatted error accepted: untrusted text is quoted bounded, never whole.
const MAX_DISPLAY: usize = 2000;
const MAX_CODE: usize = 64;
const MAX_DETAIL: usize = 64 * 1024;
const MAX_REPEAT: usize = 1 << 20;

struct Parsed {
    status: u16,
    sign: bool,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn parse(data: &[u8]) -> Option<Parsed> {
    let mut lines = data.splitn(2, |&b| b == b'\n');
    let first = std::str::from_utf8(lines.next()?).ok()?;
    let mut rest = lines.next().unwrap_or_default();
    let mut words = first.split_whitespace();
    let status: u16 = words.next()?.parse().ok()?;
    let sign = words.next() == Some("S");
    let mut headers = Vec::new();
    loop {
        let (line, tail) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        rest = tail;
        if line.is_empty() {
            break;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let mut name = String::from_utf8_lossy(&line[..colon]).into_owned();
        let mut value = line[colon + 1..].to_vec();
        if let Some((count, n)) = name.split_once('*') {
            let count: usize = count.parse().ok()?;
            if !value.is_empty() {
                value = value.repeat(count.min(MAX_REPEAT / value.len()));
            }
            name = n.to_string();
        }
        headers.push((name, value));
        if rest.is_empty() {
            break;
        }
    }
    Some(Parsed {
        status,
        sign,
        headers,
        body: rest.to_vec(),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(p) = parse(data) else {
        return;
    };
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    if p.sign {
        let timestamp = fx::now().to_string();
        let nonce = "fuzzNonce0123456789abcdefABCDEF0";
        let signature = fx::platform_sign(&timestamp, nonce, &p.body);
        for (n, v) in [
            ("Wechatpay-Timestamp", timestamp),
            ("Wechatpay-Nonce", nonce.to_string()),
            ("Wechatpay-Serial", fx::PUBLIC_KEY_ID.to_string()),
            ("Wechatpay-Signature", signature),
        ] {
            headers.push((n.to_string(), v.into_bytes()));
        }
    }
    headers.extend(p.headers);
    let list: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    match wx_recover::fuzzing::answer(fx::client(), p.status, &list, &p.body) {
        Ok(()) => {
            assert!(
                (200..300).contains(&p.status),
                "HTTP {} accepted as a success",
                p.status
            );
            assert!(
                p.sign,
                "an answer without the platform's signature accepted"
            );
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(
                shown.len() < MAX_DISPLAY,
                "error is {} bytes long",
                shown.len()
            );
            for text in [shown.as_str(), e.message.as_str()] {
                assert!(
                    !text.chars().any(|c| (c as u32) < 0x20 || c as u32 == 0x7f),
                    "control character in {text:?}"
                );
            }
            if let Some(code) = &e.code {
                assert!(code.len() <= MAX_CODE, "code is {} bytes long", code.len());
            }
            if let Some(detail) = &e.detail {
                assert!(
                    detail.len() <= MAX_DETAIL,
                    "detail is {} bytes long",
                    detail.len()
                );
            }
        }
    }
});
