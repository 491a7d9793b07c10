//! The sandbox's servers: the two TLS listeners playing the platform and the admin API.
//!
//! By job: `state` (what every request shares), `routes` (the route table), one handler module
//! per endpoint (`recover`, `punish`, `query`, `certificates`), `fields` (reading recover and
//! punish bodies, decrypting their encrypted fields), `dispatch` (one request from arrival to
//! answer), `auth` (request signatures and the named key), `rate` (per-minute limits),
//! `faults` (fault injection), `answer` (answers and their signature headers), `listener` (TLS
//! acceptor and accept loops) and `admin` (the plain-HTTP admin API).

mod admin;
mod answer;
mod auth;
mod certificates;
mod dispatch;
mod faults;
mod fields;
mod listener;
mod punish;
mod query;
mod rate;
mod recover;
mod routes;
mod state;

pub use admin::admin_loop;
pub use listener::{build_acceptor, listener_loop};
pub use punish::PUNISH_SCENE_FAILS;
pub use state::{Config, Shared};
