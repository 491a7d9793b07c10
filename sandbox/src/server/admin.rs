//! The admin API on its plain-HTTP listener (`POST /faults`, `/reset`, `/clock`, `/rate-limit`,
//! `/rotate-certificate`, `/sign-notification`; `GET /stats`, `/recovers`, `/punishes`,
//! `/spoiled`), and the operations only it serves: statistics and notification signing.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};

use super::dispatch::MAX_BODY;
use super::routes::Api;
use super::state::Shared;
use crate::notify;

impl Shared {
    /// Admin `GET /stats`.
    pub fn stats_json(&self) -> Value {
        let l = |i: usize| {
            json!({
                "connections": self.lstats[i].connections.load(Ordering::Relaxed),
                "requests": self.lstats[i].requests.load(Ordering::Relaxed),
                "idle_closed": self.lstats[i].idle_closed.load(Ordering::Relaxed),
                "in_flight": self.lstats[i].in_flight.load(Ordering::Relaxed),
            })
        };
        let st = self.lock();
        let mut v = json!({
            "primary": l(0),
            "backup": l(1),
            "recovers_accepted": self.recovers_accepted.load(Ordering::Relaxed),
            "recover_records": st.recovers.len(),
            "punishes_accepted": self.punishes_accepted.load(Ordering::Relaxed),
            "punish_records": st.punishes.len(),
            "signature_failures": self.signature_failures.load(Ordering::Relaxed),
            "notifications_delivered": self.notifications_delivered.load(Ordering::Relaxed),
            "faults_pending": st.faults.len(),
            "faults_fired": {
                "primary": st.faults_fired[0],
                "backup": st.faults_fired[1],
            },
            "blackhole_held": self.blackhole_held.load(Ordering::SeqCst),
            "rate": self.rate_json(&st),
            "listeners_up": {
                "primary": self.listeners[0].bound.load(Ordering::SeqCst),
                "backup": self.listeners[1].bound.load(Ordering::SeqCst),
            },
        });
        if let Some(m) = v.as_object_mut() {
            for api in Api::all() {
                if let Some(key) = api.route().stats_key {
                    let n = self.route_requests[api.index()].load(Ordering::Relaxed);
                    m.insert(key.into(), json!(n));
                }
            }
        }
        v
    }

    /// Admin `POST /sign-notification` (test helper): signs a notification as the platform
    /// would, without delivering it. `{"plaintext": {...}}` builds a full encrypted envelope;
    /// `{"body": "..."}` signs that exact text (for malformed-envelope tests). Options:
    /// `serial` `"public_key"` (default) or `"certificate"`, `timestamp_offset_s` (default 0),
    /// `success` (event type, default true). Answers `{"headers": {...}, "body": "..."}`.
    pub fn sign_notification(&self, v: &Value) -> Result<Value, String> {
        let obj = v
            .as_object()
            .ok_or("sign-notification body must be a JSON object")?;
        let body = match (obj.get("body"), obj.get("plaintext")) {
            (Some(Value::String(b)), None) => b.clone().into_bytes(),
            (None, Some(pt)) => {
                let success = obj.get("success").and_then(Value::as_bool).unwrap_or(true);
                notify::build_body(self, success, pt)?
            }
            _ => return Err("give exactly one of \"body\" (a string) or \"plaintext\"".into()),
        };
        let cert = match obj.get("serial").and_then(Value::as_str) {
            None | Some("public_key") => false,
            Some("certificate") => true,
            Some(_) => return Err("\"serial\" must be \"public_key\" or \"certificate\"".into()),
        };
        let offset = obj
            .get("timestamp_offset_s")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let headers = self.sign_headers_at(&body, cert, None, offset);
        let h: Map<String, Value> = headers
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect();
        Ok(json!({"headers": h, "body": String::from_utf8_lossy(&body)}))
    }
}

fn admin_json(status: u16, v: &Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(
        serde_json::to_vec_pretty(v).unwrap_or_default(),
    )));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn param_error(message: impl Into<String>) -> Response<Full<Bytes>> {
    admin_json(
        400,
        &json!({"code": "PARAM_ERROR", "message": message.into()}),
    )
}

/// Waits (at most 5 s) until the selected listeners' sockets match their wanted state.
async fn wait_settled(sh: &Shared, which: [bool; 2]) {
    for _ in 0..2500 {
        if sh.settled(which) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Parses a JSON body and hands it to `op`, answering 200 with its result or 400.
fn json_op(body: &[u8], op: impl FnOnce(&Value) -> Result<Value, String>) -> Response<Full<Bytes>> {
    match serde_json::from_slice::<Value>(body)
        .map_err(|e| format!("bad JSON: {e}"))
        .and_then(|v| op(&v))
    {
        Ok(r) => admin_json(200, &r),
        Err(m) => param_error(m),
    }
}

async fn admin_handle(
    sh: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(param_error("bad body")),
    };
    let resp = match (method.as_str(), path.as_str()) {
        ("POST", "/faults") => match serde_json::from_slice::<Value>(&body) {
            Err(e) => param_error(format!("bad JSON: {e}")),
            Ok(v) => match sh.apply_fault(&v) {
                Err(m) => param_error(m),
                Ok(which) => {
                    if let Some(w) = which {
                        wait_settled(&sh, w).await;
                    }
                    admin_json(200, &json!({"ok": true}))
                }
            },
        },
        ("POST", "/reset") => {
            sh.reset();
            wait_settled(&sh, [true, true]).await;
            admin_json(200, &json!({"ok": true}))
        }
        ("GET", "/stats") => admin_json(200, &sh.stats_json()),
        ("GET", "/spoiled") => admin_json(200, &json!(sh.spoiled_request_ids())),
        ("POST", "/clock") => match serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("offset_s").and_then(Value::as_i64))
        {
            Some(offset) => {
                sh.set_clock_offset(offset);
                admin_json(200, &json!({"ok": true, "offset_s": offset}))
            }
            None => param_error("expected {\"offset_s\": integer}"),
        },
        // An empty body is `{}`: every option at its default.
        ("POST", "/rotate-certificate") if body.is_empty() => {
            match sh.rotate_certificate(&Value::Null) {
                Ok(r) => admin_json(200, &r),
                Err(m) => param_error(m),
            }
        }
        ("POST", "/rotate-certificate") => json_op(&body, |v| sh.rotate_certificate(v)),
        ("POST", "/sign-notification") => json_op(&body, |v| sh.sign_notification(v)),
        ("GET", "/recovers") => admin_json(200, &sh.recovers_json()),
        ("GET", "/punishes") => admin_json(200, &sh.punishes_json()),
        ("POST", "/rate-limit") => json_op(&body, |v| sh.set_rate_limit(v)),
        _ => admin_json(
            404,
            &json!({"code": "NOT_FOUND", "message": "admin API: POST /faults, POST /reset, POST /clock, POST /rate-limit, GET /stats, GET /recovers, GET /punishes, GET /spoiled, POST /rotate-certificate, POST /sign-notification"}),
        ),
    };
    eprintln!(
        "wx-sandbox [admin] {method} {path} -> {}",
        resp.status().as_u16()
    );
    Ok(resp)
}

/// Accept loop of the admin listener.
pub async fn admin_loop(sh: Arc<Shared>, l: std::net::TcpListener) {
    let Ok(listener) = tokio::net::TcpListener::from_std(l) else {
        return;
    };
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let sh = Arc::clone(&sh);
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| admin_handle(Arc::clone(&sh), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), svc)
                .await;
        });
    }
}
