//! Layer 3, the exchange: sending one API request until it has a verified answer. The attempt
//! loop (`executor`), the circuit breaker over the two hosts (`breaker`), the rate-limit
//! buckets (`quota`) and the counters (`stats`). Reads the classifier's verdict from the core;
//! uses the protocol, infrastructure and core layers below it, and nothing above.

pub(crate) mod breaker;
pub(crate) mod executor;
pub(crate) mod quota;
pub(crate) mod stats;
