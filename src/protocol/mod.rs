//! Layer 2, the wire protocol: what goes on the wire and what comes back, without I/O. The
//! `Authorization` header and answer verification (`signing`), request and answer models with
//! their input rules (`model` for the recover, `punish` for the punish), the platform's error
//! answers (`answer`) and notifications (`notify`). Uses the core and the infrastructure below it.

pub(crate) mod answer;
pub(crate) mod model;
pub(crate) mod notify;
pub(crate) mod punish;
pub(crate) mod signing;
