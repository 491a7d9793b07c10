//! The route table: which platform endpoint answers which method and path, and how each
//! treats the `Wechatpay-Serial` header.
//!
//! A new endpoint is a handler module and one row in `ROUTES` (and `API_COUNT` one higher):
//! rate limits, fault `path` filters, `/stats` and `POST /rate-limit` find it by the row's name.

use std::sync::Arc;

use hyper::Method;

use super::answer::{Answer, Serial};
use super::state::Shared;
use super::{certificates, punish, query, recover};

pub const RECOVER_PATH: &str = "/v3/aggracct-bc/wb-channel/control-orders/recover";
pub const PUNISH_PATH: &str = "/v3/aggracct-bc/wb-channel/control-orders/punish";
pub const QUERY_PREFIX: &str = "/v3/aggracct-bc/wb-channel/control-orders/";
pub const CERTIFICATES_PATH: &str = "/v3/certificates";

/// The number of rows in `ROUTES`.
pub const API_COUNT: usize = 4;

/// The platform endpoints, in the order `/stats` `rate` and error messages list them.
pub static ROUTES: [Route; API_COUNT] = [
    Route {
        name: "recover",
        method: Method::POST,
        path: PathMatch::Exact(RECOVER_PATH),
        serial: SerialRule::Required,
        stats_key: None,
        handler: recover::answer,
    },
    Route {
        name: "query",
        method: Method::GET,
        path: PathMatch::OneSegmentBelow(QUERY_PREFIX),
        serial: SerialRule::Optional,
        stats_key: None,
        handler: query::answer,
    },
    Route {
        name: "certificates",
        method: Method::GET,
        path: PathMatch::Exact(CERTIFICATES_PATH),
        serial: SerialRule::Bootstrap,
        stats_key: Some("certificates_requests"),
        handler: certificates::answer,
    },
    Route {
        name: "punish",
        method: Method::POST,
        path: PathMatch::Exact(PUNISH_PATH),
        serial: SerialRule::Required,
        stats_key: None,
        handler: punish::answer,
    },
];

/// One platform endpoint.
pub struct Route {
    /// As named in `/stats` `rate`, `POST /rate-limit` `api` and a fault's `path`.
    pub name: &'static str,
    pub method: Method,
    pub path: PathMatch,
    pub serial: SerialRule,
    /// A `/stats` key counting every request routed here, faulted or not.
    pub stats_key: Option<&'static str>,
    /// Answers a request whose signature, rate limit and `Wechatpay-Serial` passed.
    pub handler: Handler,
}

pub type Handler = fn(&Arc<Shared>, &Call<'_>) -> Answer;

/// What a handler gets of a verified request.
pub struct Call<'a> {
    /// The raw (still percent-encoded) path.
    pub path: &'a str,
    /// The raw query string, without `?`; empty if there is none.
    pub query: &'a str,
    pub body: &'a [u8],
    /// The key the request named, which also signs the answer.
    pub serial: Serial,
}

pub enum PathMatch {
    Exact(&'static str),
    /// The prefix followed by one non-empty path segment (a resource id).
    OneSegmentBelow(&'static str),
}

impl PathMatch {
    fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Exact(p) => path == *p,
            PathMatch::OneSegmentBelow(prefix) => path
                .strip_prefix(prefix)
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/')),
        }
    }
}

/// How an endpoint treats the request's `Wechatpay-Serial` (the platform key the client
/// uses, which then also signs the answer).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SerialRule {
    /// Required: the body carries fields encrypted to the named key.
    Required,
    /// Without it the answer is signed with the public key; an unknown one is refused.
    Optional,
    /// The certificate download: a client that knows no key yet can still fetch it, so a
    /// missing or unknown serial is answered (see `Config::certificates_signed_by_certificate`).
    Bootstrap,
}

/// A platform endpoint: an index into `ROUTES`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Api(usize);

impl Api {
    pub fn all() -> impl Iterator<Item = Api> {
        (0..API_COUNT).map(Api)
    }

    pub fn index(self) -> usize {
        self.0
    }

    pub fn route(self) -> &'static Route {
        &ROUTES[self.0]
    }

    pub fn name(self) -> &'static str {
        self.route().name
    }

    pub fn parse(s: &str) -> Option<Api> {
        ROUTES.iter().position(|r| r.name == s).map(Api)
    }

    /// The endpoint serving `method` and `path`, if any.
    pub fn for_request(method: &Method, path: &str) -> Option<Api> {
        ROUTES
            .iter()
            .position(|r| r.method == *method && r.path.matches(path))
            .map(Api)
    }

    /// The names for error messages: `"recover", "query", "certificates" or "punish"`.
    pub fn names_quoted() -> String {
        let quoted: Vec<String> = Api::all().map(|a| format!("\"{}\"", a.name())).collect();
        match quoted.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => quoted.concat(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_round_trip() {
        for api in Api::all() {
            assert_eq!(Api::parse(api.name()), Some(api));
        }
        assert_eq!(Api::parse("notify"), None);
        assert_eq!(
            Api::names_quoted(),
            "\"recover\", \"query\", \"certificates\" or \"punish\""
        );
    }

    #[test]
    fn routing_matches_method_and_path() {
        let name = |m: &Method, p: &str| Api::for_request(m, p).map(Api::name);
        assert_eq!(name(&Method::POST, RECOVER_PATH), Some("recover"));
        assert_eq!(name(&Method::GET, CERTIFICATES_PATH), Some("certificates"));
        assert_eq!(name(&Method::POST, PUNISH_PATH), Some("punish"));
        // Read with GET, it is a query for out_request_no "punish", as for the recover path.
        assert_eq!(name(&Method::GET, PUNISH_PATH), Some("query"));
        assert_eq!(
            name(&Method::GET, &format!("{QUERY_PREFIX}OUT-1")),
            Some("query")
        );
        // The recover path read with GET is a query for out_request_no "recover".
        assert_eq!(name(&Method::GET, RECOVER_PATH), Some("query"));
        for (m, p) in [
            (Method::GET, QUERY_PREFIX.to_string()),
            (Method::GET, format!("{QUERY_PREFIX}a/b")),
            (Method::POST, format!("{QUERY_PREFIX}OUT-1")),
            (Method::POST, CERTIFICATES_PATH.to_string()),
            (Method::PUT, RECOVER_PATH.to_string()),
            (Method::PUT, PUNISH_PATH.to_string()),
            (Method::GET, "/v3/certificates/".to_string()),
        ] {
            assert_eq!(name(&m, &p), None, "{m} {p}");
        }
    }
}
