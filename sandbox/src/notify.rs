//! Result notifications (callbacks) to `--notify-url` (plain `http://` only).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use crate::crypto::aes_gcm_encrypt;
use crate::server::Shared;
use crate::util::{b64, now_unix, random_alnum, random_hex_upper, rfc3339};

/// Maximum delivery attempts per notification.
pub const MAX_ATTEMPTS: u32 = 12;
/// Backoff: first retry after 1 s, doubling, capped at this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub struct HttpUrl {
    pub host: String,
    pub port: u16,
    pub path: String,
    pub authority: String,
}

/// Parses `http://host[:port][/path]`.
pub fn parse_http_url(url: &str) -> Result<HttpUrl, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("notify URL must start with http:// (the sandbox does not send HTTPS callbacks)")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err("notify URL has no host".into());
    }
    let (host, port) = if let Some(stripped) = authority.strip_prefix('[') {
        let end = stripped.find(']').ok_or("bad IPv6 literal in notify URL")?;
        let host = &stripped[..end];
        let port = match stripped[end + 1..].strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| "bad port in notify URL")?,
            None => 80,
        };
        (host.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse().map_err(|_| "bad port in notify URL")?,
            ),
            None => (authority.to_string(), 80),
        }
    };
    Ok(HttpUrl {
        host,
        port,
        path: path.to_string(),
        authority: authority.to_string(),
    })
}

/// Builds the notification body for a final recover order.
pub fn build_body(sh: &Shared, success: bool, plaintext: &Value) -> Result<Vec<u8>, String> {
    let nonce = random_alnum(12);
    let pt = serde_json::to_vec(plaintext).map_err(|e| e.to_string())?;
    let ct = aes_gcm_encrypt(
        sh.mat.apiv3_key.as_bytes(),
        nonce.as_bytes(),
        b"recover_order",
        &pt,
    )?;
    let id = random_hex_upper(32).to_lowercase();
    let id = format!(
        "{}-{}-{}-{}-{}",
        &id[0..8],
        &id[8..12],
        &id[12..16],
        &id[16..20],
        &id[20..32]
    );
    let body = json!({
        "id": id,
        "create_time": rfc3339(now_unix()),
        "event_type": if success { "RECOVER.SUCCESS" } else { "RECOVER.FAILED" },
        "resource_type": "encrypt-resource",
        "summary": if success { "解管成功" } else { "解管失败" },
        "resource": {
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": b64(&ct),
            "nonce": nonce,
            "associated_data": "recover_order",
            "original_type": "recover_order",
        }
    });
    serde_json::to_vec(&body).map_err(|e| e.to_string())
}

async fn post_once(sh: &Shared, url: &HttpUrl, body: &[u8]) -> Result<u16, String> {
    let stream = tokio::net::TcpStream::connect((url.host.as_str(), url.port))
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut b = Request::post(url.path.as_str())
        .header("Host", url.authority.as_str())
        .header("Content-Type", "application/json")
        .header("User-Agent", "wx-sandbox-notify/0.1");
    // Same headers as a signed response; fresh timestamp/nonce per attempt.
    for (k, v) in sh.sign_headers(body, false, None) {
        b = b.header(k, v);
    }
    let req = b
        .body(Full::new(Bytes::copy_from_slice(body)))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let _ = resp.into_body().collect().await;
    Ok(status)
}

/// Delivers one notification, retrying with backoff until the receiver answers 2xx.
pub async fn deliver(sh: Arc<Shared>, url: String, success: bool, plaintext: Value) {
    let Ok(target) = parse_http_url(&url) else {
        eprintln!("wx-sandbox [notify] bad notify URL; notification dropped");
        return;
    };
    let body = match build_body(&sh, success, &plaintext) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("wx-sandbox [notify] cannot build notification: {e}");
            return;
        }
    };
    let mut backoff = Duration::from_secs(1);
    for attempt in 1..=MAX_ATTEMPTS {
        let r = tokio::time::timeout(Duration::from_secs(10), post_once(&sh, &target, &body)).await;
        match r {
            Ok(Ok(status)) if (200..300).contains(&status) => {
                sh.notifications_delivered.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "wx-sandbox [notify] POST {} -> {status} (attempt {attempt})",
                    target.path
                );
                return;
            }
            Ok(Ok(status)) => {
                eprintln!(
                    "wx-sandbox [notify] POST {} -> {status} (attempt {attempt}), will retry",
                    target.path
                )
            }
            Ok(Err(e)) => eprintln!(
                "wx-sandbox [notify] POST {} failed: {e} (attempt {attempt})",
                target.path
            ),
            Err(_) => eprintln!(
                "wx-sandbox [notify] POST {} timed out (attempt {attempt})",
                target.path
            ),
        }
        if attempt == MAX_ATTEMPTS {
            break;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    eprintln!("wx-sandbox [notify] giving up after {MAX_ATTEMPTS} attempts");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = parse_http_url("http://127.0.0.1:8080/cb/x?y=1").expect("url");
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 8080, "/cb/x?y=1")
        );
        let u = parse_http_url("http://localhost").expect("url");
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("localhost", 80, "/")
        );
        let u = parse_http_url("http://[::1]:9/n").expect("url");
        assert_eq!((u.host.as_str(), u.port), ("::1", 9));
        assert!(parse_http_url("https://x/").is_err());
        assert!(parse_http_url("http://h:notaport/").is_err());
    }
}
