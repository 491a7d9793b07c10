//! Result notifications (callbacks): the envelope rules and the decryption of its resource.
//! Signature verification is the client's (`Client::parse_notification`), so notifications and
//! answers share one key lookup and one replay window.

use serde_json::{Map, Value};

use crate::core::error::{truncate, Error, ErrorKind, Result};
use crate::infra::crypto;

/// A verified, decrypted notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub create_time: String,
    pub event_type: String,
    pub resource_type: String,
    /// Optional in the envelope; empty when absent.
    pub summary: String,
    pub algorithm: String,
    pub original_type: Option<String>,
    pub associated_data: String,
    /// The decrypted resource: JSON text (for recovers, the query's `recover_order` object).
    pub plaintext: String,
}

/// The envelope fields of a notification, in the order WeChat Pay's notification page lists
/// them: the one table the C ABI and every binding read.
pub const NOTIFICATION_FIELDS: [&str; 8] = [
    "id",
    "create_time",
    "event_type",
    "resource_type",
    "summary",
    "algorithm",
    "original_type",
    "associated_data",
];

impl Notification {
    /// The decrypted resource as a recover order (its fields follow the query's
    /// `recover_order`).
    pub fn order(&self) -> Result<crate::protocol::model::RecoverOrder> {
        crate::protocol::model::RecoverOrder::parse(self.plaintext.as_bytes())
            .map_err(|e| bad(format!("notification resource: {}", e.message)))
    }

    /// An envelope field by name (`id`, `create_time`, `event_type`, `resource_type`, `summary`,
    /// `algorithm`, `original_type`, `associated_data`).
    pub fn field(&self, name: &str) -> Option<&str> {
        Some(match name {
            "id" => &self.id,
            "create_time" => &self.create_time,
            "event_type" => &self.event_type,
            "resource_type" => &self.resource_type,
            "summary" => &self.summary,
            "algorithm" => &self.algorithm,
            "original_type" => return self.original_type.as_deref(),
            "associated_data" => &self.associated_data,
            _ => return None,
        })
    }

    /// The decrypted resource parsed as JSON.
    pub fn resource(&self) -> Result<Value> {
        crate::core::json::parse_strict(self.plaintext.as_bytes())
            .map_err(|_| bad("decrypted notification resource is not strict JSON"))
    }
}

/// Notification failures are not about an out_request_no, so they are never "retry-safe".
pub(crate) fn notification_error(kind: ErrorKind, why: impl Into<String>) -> Error {
    Error::new(kind, why).about_notification()
}

fn bad(why: impl Into<String>) -> Error {
    notification_error(ErrorKind::BadResponse, why)
}

/// Checks the envelope of an already verified body and decrypts its resource.
pub(crate) fn open(body: &[u8], apiv3_key: &[u8]) -> Result<Notification> {
    let value: Value = crate::core::json::parse_strict(body).map_err(|why| {
        bad(format!(
            "notification: body is not valid JSON: {}",
            crate::core::text::clean(&why, 120)
        ))
    })?;
    let obj = value
        .as_object()
        .ok_or_else(|| bad("notification: body is not a JSON object"))?;
    let id = required(obj, "", "id")?;
    let create_time = required(obj, "", "create_time")?;
    let event_type = required(obj, "", "event_type")?;
    let resource_type = required(obj, "", "resource_type")?;
    let summary = optional(obj, "", "summary")?.unwrap_or_default();
    if resource_type != "encrypt-resource" {
        return Err(bad(format!(
            "notification: unsupported resource_type {:?} (expected \"encrypt-resource\")",
            truncate(&resource_type, 40)
        )));
    }
    let resource = match obj.get("resource") {
        Some(Value::Object(r)) => r,
        Some(_) => return Err(bad("notification: resource is not a JSON object")),
        None => return Err(bad("notification: missing field resource")),
    };
    let algorithm = required(resource, "resource.", "algorithm")?;
    if algorithm != "AEAD_AES_256_GCM" {
        return Err(bad(format!(
            "notification: unsupported resource.algorithm {:?} (expected \"AEAD_AES_256_GCM\")",
            truncate(&algorithm, 40)
        )));
    }
    let ciphertext = required(resource, "resource.", "ciphertext")?;
    let nonce = required(resource, "resource.", "nonce")?;
    let associated_data = optional(resource, "resource.", "associated_data")?.unwrap_or_default();
    let original_type = optional(resource, "resource.", "original_type")?;
    let plaintext = crypto::aes_gcm_decrypt(apiv3_key, &nonce, &associated_data, &ciphertext)
        .map_err(|e| bad(format!("notification: resource: {}", e.message)))?;
    let plaintext = String::from_utf8(plaintext)
        .map_err(|_| bad("notification: decrypted resource is not UTF-8 text"))?;
    if crate::core::json::parse_strict(plaintext.as_bytes()).is_err() {
        // Never quote the plaintext: it is the caller's data (a duplicated key is refused too).
        return Err(bad(
            "notification: decrypted resource is not JSON, or repeats a key",
        ));
    }
    Ok(Notification {
        id,
        create_time,
        event_type,
        resource_type,
        summary,
        algorithm,
        original_type,
        associated_data,
        plaintext,
    })
}

fn optional(obj: &Map<String, Value>, prefix: &str, key: &str) -> Result<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!(
            "notification: field {prefix}{key} is not a string"
        ))),
    }
}

fn required(obj: &Map<String, Value>, prefix: &str, key: &str) -> Result<String> {
    match optional(obj, prefix, key)? {
        Some(s) if !s.is_empty() => Ok(s),
        Some(_) => Err(bad(format!("notification: field {prefix}{key} is empty"))),
        None => Err(bad(format!("notification: missing field {prefix}{key}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &[u8] = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

    /// The AEAD_AES_256_GCM test vector of WeChat Pay's decryption guide decrypts to `message`,
    /// which is not JSON: a distinct error.
    fn envelope(ciphertext: &str, aad: &str) -> Value {
        json!({"id": "N1", "create_time": "2025-09-09T10:00:00+08:00",
               "event_type": "RECOVER.SUCCESS", "resource_type": "encrypt-resource",
               "summary": "s", "resource": {"algorithm": "AEAD_AES_256_GCM",
               "ciphertext": ciphertext, "nonce": "uluk4a9R25RW", "associated_data": aad,
               "original_type": "recover_order"}})
    }

    #[test]
    fn known_vector_and_each_failure_is_distinct() {
        let body = envelope("ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=", "associatedData").to_string();
        let e = open(body.as_bytes(), KEY).unwrap_err();
        assert_eq!(
            e.message,
            "notification: decrypted resource is not JSON, or repeats a key"
        );
        assert!(!e.retry_safe);

        let body = envelope("ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=", "other").to_string();
        let e = open(body.as_bytes(), KEY).unwrap_err();
        assert!(
            e.message.contains("AES-GCM authentication failed"),
            "{}",
            e.message
        );

        let e = open(b"{not json", KEY).unwrap_err();
        assert!(
            e.message
                .starts_with("notification: body is not valid JSON: "),
            "{}",
            e.message
        );

        let mut v = envelope("x", "");
        v.as_object_mut().unwrap().remove("event_type");
        let e = open(v.to_string().as_bytes(), KEY).unwrap_err();
        assert_eq!(e.message, "notification: missing field event_type");

        let mut v = envelope("x", "");
        v["resource"].as_object_mut().unwrap().remove("nonce");
        let e = open(v.to_string().as_bytes(), KEY).unwrap_err();
        assert_eq!(e.message, "notification: missing field resource.nonce");

        let mut v = envelope("x", "");
        v["resource_type"] = "plain".into();
        let e = open(v.to_string().as_bytes(), KEY).unwrap_err();
        assert!(e.message.contains("unsupported resource_type"));

        let mut v = envelope("x", "");
        v["resource"]["algorithm"] = "AES_128".into();
        let e = open(v.to_string().as_bytes(), KEY).unwrap_err();
        assert!(e.message.contains("unsupported resource.algorithm"));
    }

    #[test]
    fn decrypts_a_json_resource() {
        let mut tag = [0u8; 16];
        let pt = br#"{"out_request_no":"R1","recover_state":"SUCCESS"}"#;
        let mut ct = openssl::symm::encrypt_aead(
            openssl::symm::Cipher::aes_256_gcm(),
            KEY,
            Some(b"uluk4a9R25RW"),
            b"recover_order",
            pt,
            &mut tag,
        )
        .unwrap();
        ct.extend_from_slice(&tag);
        let body = envelope(&openssl::base64::encode_block(&ct), "recover_order").to_string();
        let n = open(body.as_bytes(), KEY).unwrap();
        assert_eq!(n.plaintext.as_bytes(), pt);
        assert_eq!(n.field("event_type"), Some("RECOVER.SUCCESS"));
        assert_eq!(n.field("original_type"), Some("recover_order"));
        assert_eq!(n.resource().unwrap()["out_request_no"], "R1");
    }
}
