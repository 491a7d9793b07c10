//! Shared fixtures for the fuzz targets: keys generated once per process (nothing secret is
//! committed, not even a test key), a client built from them, and helpers to sign as the
//! platform so inputs can get past the signature check into the parsers behind it.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509Builder, X509NameBuilder};
use wx_recover::Client;

pub const MCHID: &str = "1900000109";
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000001092025000000000000";
pub const APIV3_KEY: &str = "fuzzfuzzfuzzfuzzfuzzfuzzfuzz0032";
/// Nothing listens here: a request that passes validation fails fast with WX_NETWORK.
pub const DEAD_URL: &str = "https://127.0.0.1:9";

pub struct Keys {
    pub merchant: PKey<Private>,
    pub merchant_pem: String,
    pub platform: PKey<Private>,
    pub platform_public_pem: String,
    pub certificate_pem: String,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let merchant = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let platform = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let merchant_pem = String::from_utf8(merchant.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let platform_public_pem = String::from_utf8(platform.public_key_to_pem().unwrap()).unwrap();
        let certificate_pem = self_signed(&platform);
        Keys {
            merchant,
            merchant_pem,
            platform,
            platform_public_pem,
            certificate_pem,
        }
    })
}

fn self_signed(key: &PKey<Private>) -> String {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "wx-recover fuzz platform")
        .unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let serial = BigNum::from_hex_str("3C1A5F0E9B7D")
        .unwrap()
        .to_asn1_integer()
        .unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(365).unwrap())
        .unwrap();
    b.sign(key, MessageDigest::sha256()).unwrap();
    String::from_utf8(b.build().to_pem().unwrap()).unwrap()
}

fn json_inner(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap();
    quoted[1..quoted.len() - 1].to_string()
}

/// Replaces the placeholders the seeds use (`@MERCHANT_KEY@`, `@PUBLIC_KEY@`, `@CERT@`) with
/// the generated PEMs, JSON-escaped, so seeds reach the code behind key loading.
pub fn expand_placeholders(text: &str) -> String {
    if !text.contains('@') {
        return text.to_string();
    }
    let k = keys();
    text.replace("@MERCHANT_KEY@", &json_inner(&k.merchant_pem))
        .replace("@PUBLIC_KEY@", &json_inner(&k.platform_public_pem))
        .replace("@CERT@", &json_inner(&k.certificate_pem))
}

/// A valid configuration in public-key mode with the APIv3 key (so notifications decrypt),
/// pointing at a dead address, without retries or rate limit.
pub fn config_json() -> String {
    let k = keys();
    serde_json::json!({
        "mchid": MCHID,
        "merchant_serial_no": MERCHANT_SERIAL,
        "merchant_private_key_pem": k.merchant_pem,
        "wechatpay_public_key_id": PUBLIC_KEY_ID,
        "wechatpay_public_key_pem": k.platform_public_pem,
        "apiv3_key": APIV3_KEY,
        "base_url": DEAD_URL,
        "backup_url": "",
        "connect_timeout_ms": 200,
        "timeout_ms": 500,
        "deadline_ms": 1000,
        "max_attempts": 1,
        "rate_limit_per_minute": 0
    })
    .to_string()
}

pub fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| Client::from_json(&config_json()).expect("fixture config is valid"))
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The platform's signature over an answer or notification, as the platform would send it.
pub fn platform_sign(timestamp: &str, nonce: &str, body: &[u8]) -> String {
    let msg = wx_recover::fuzzing::response_message(timestamp, nonce, body);
    wx_recover::fuzzing::sign(&keys().platform, &msg).unwrap()
}

/// The IV length APIv3 uses for AEAD_AES_256_GCM (`resource.nonce` is 12 characters).
pub const GCM_NONCE_LEN: usize = 12;

/// AEAD_AES_256_GCM with the fixture APIv3 key, base64(ciphertext ‖ tag), as the platform
/// encrypts a notification resource. A nonce that is not 12 bytes is replaced by a fixed
/// 12-byte one for sealing: OpenSSL refuses some IV lengths, and the platform never uses
/// another length; the caller still puts its own nonce in the envelope, so the library sees
/// arbitrary nonces. `None` only if OpenSSL fails anyway: the input is then skipped.
pub fn seal(nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Option<String> {
    let iv: &[u8] = if nonce.len() == GCM_NONCE_LEN {
        nonce
    } else {
        b"fuzzfuzzfuzz"
    };
    let mut tag = [0u8; 16];
    let mut ct = openssl::symm::encrypt_aead(
        openssl::symm::Cipher::aes_256_gcm(),
        APIV3_KEY.as_bytes(),
        Some(iv),
        aad,
        plaintext,
        &mut tag,
    )
    .ok()?;
    ct.extend_from_slice(&tag);
    Some(openssl::base64::encode_block(&ct))
}
