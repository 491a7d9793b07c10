//! Layer 0, the core: the types and rules every other layer shares. Leaf types (`kinds`), the
//! one error type and the one classifier that decides what an outcome means, bounded and
//! escaped text, strict JSON and the clock. Uses nothing of the crate outside this folder.

pub(crate) mod classify;
pub(crate) mod clock;
pub(crate) mod error;
pub(crate) mod json;
pub(crate) mod kinds;
pub(crate) mod text;
