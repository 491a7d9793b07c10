//! One platform request from arrival to answer: read the body, route it, apply a fault, verify
//! the signature, the rate limit and `Wechatpay-Serial`, call the endpoint's handler, log.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Method, Request, Response};

use super::answer::Answer;
use super::faults::fault_after;
use super::routes::{Api, Call};
use super::state::{Shared, LISTENER_NAMES};

/// The largest request body read, on the platform listeners and the admin API.
pub const MAX_BODY: usize = 1 << 20;

/// Returned from the service function to make hyper drop the connection without answering.
#[derive(Debug)]
pub struct Abort;

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed by sandbox fault")
    }
}

impl std::error::Error for Abort {}

/// One request's log line on stderr, with whatever status or fault it ended with.
pub struct RequestLog<'a> {
    pub listener: &'a str,
    pub method: &'a Method,
    pub path: &'a str,
    pub rid: &'a str,
}

impl RequestLog<'_> {
    pub fn line(&self, status: &str) {
        let RequestLog {
            listener,
            method,
            path,
            rid,
        } = self;
        eprintln!("wx-sandbox [{listener}] {method} {path} -> {status} Request-ID={rid}");
    }
}

/// The service function of both platform listeners (`lid` 0 = primary, 1 = backup).
pub async fn handle(
    sh: Arc<Shared>,
    lid: usize,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Abort> {
    let rid = sh.next_request_id();
    sh.lstats[lid].requests.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    let pq = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let path = req.uri().path().to_string();
    let log = RequestLog {
        listener: LISTENER_NAMES[lid],
        method: &method,
        path: &path,
        rid: &rid,
    };
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let ans = Answer::param("request body unreadable or larger than 1 MiB");
            log.line("400");
            return Ok(sh.build_response(ans, &rid, None));
        }
    };
    let api = Api::for_request(&method, &path);
    if let Some(api) = api.filter(|a| a.route().stats_key.is_some()) {
        sh.route_requests[api.index()].fetch_add(1, Ordering::Relaxed);
    }
    // Subscribed before the fault is taken, so a reset between the two still releases it.
    let release = sh.blackhole_release.subscribe();
    let fault = sh.take_fault(lid, api);
    if let Some(outcome) = sh.fault_before(fault, api, release, &log).await {
        return outcome;
    }
    let ans = match api {
        Some(api) => sh.process(api, &method, &pq, &parts.headers, &body),
        None => Answer::err(404, "NOT_FOUND", "no such API in the sandbox"),
    };
    let status = ans.status;
    fault_after(fault, status, &log).await?;
    let fault_kind = fault.map(|f| f.kind);
    let tag = match fault_kind {
        Some(k) => format!("{status}(fault {k:?})"),
        None => status.to_string(),
    };
    log.line(&tag);
    Ok(sh.build_response(ans, &rid, fault_kind))
}

impl Shared {
    /// Verification, then the endpoint's handler.
    fn process(
        self: &Arc<Self>,
        api: Api,
        method: &Method,
        pq: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Answer {
        let (path, query) = pq.split_once('?').unwrap_or((pq, ""));
        if let Err(msg) = self.verify_auth(method, pq, headers, body) {
            self.signature_failures.fetch_add(1, Ordering::Relaxed);
            return Answer::err(401, "SIGN_ERROR", msg);
        }
        let initiator = self.mat.mchid.clone();
        if !self.rate_ok(&initiator, api) {
            return Answer::err(
                429,
                "FREQUENCY_LIMITED",
                "too many requests, slow down (rate limit per minute exceeded)",
            );
        }
        let route = api.route();
        let serial = match self.named_serial(route.serial, headers) {
            Ok(s) => s,
            Err(ans) => return ans,
        };
        let call = Call {
            path,
            query,
            body,
            serial,
        };
        (route.handler)(self, &call)
    }
}
