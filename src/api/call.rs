//! One call on its way out: the executor that sends it and the platform keys that encrypt its
//! sensitive fields and verify its answer, handed to the executor as its verifier.

use crate::api::keys::PlatformKeys;
use crate::api::CallSpec;
use crate::core::error::Result;
use crate::exchange::executor::{Exchange, Executor, Verification, Verify};
use crate::protocol::signing::SignedHeaders;

/// What a call needs from its client: the executor that sends and the platform keys that
/// encrypt and verify.
#[derive(Clone, Copy)]
pub(crate) struct Api<'a> {
    pub exec: &'a Executor,
    pub keys: &'a PlatformKeys,
}

impl Verify for Api<'_> {
    fn verify(&self, headers: &SignedHeaders, body: &[u8]) -> Result<()> {
        self.keys.verify(self.exec, headers, body)
    }
}

impl Api<'_> {
    /// Sends `spec` with `path_and_query` (built from `spec.path`) and verifies the answer.
    pub fn send(
        &self,
        spec: &CallSpec,
        path_and_query: &str,
        body: Option<&[u8]>,
        serial: Option<&str>,
    ) -> Result<Exchange> {
        self.exec.execute(
            spec.endpoint,
            spec.method.clone(),
            path_and_query,
            body,
            serial,
            Verification::Here(self),
        )
    }
}
