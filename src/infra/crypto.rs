//! The cryptography of APIv3: request signatures, response signatures, sensitive-field
//! encryption, the AES-GCM envelopes of notifications and certificates, and key loading.

use openssl::base64;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{Signer, Verifier};
use openssl::symm::{decrypt_aead, Cipher};
use openssl::x509::X509;

use crate::core::error::{Error, ErrorKind, Result};

/// Largest plaintext RSA-2048 OAEP-SHA1 can carry: 256 − 2·20 − 2.
pub const OAEP_MAX_PLAINTEXT: usize = 214;

const NONCE_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// 32 characters from `[0-9A-Za-z]`, drawn from OpenSSL's CSPRNG without modulo bias.
pub fn nonce() -> Result<String> {
    let mut out = String::with_capacity(32);
    let mut buf = [0u8; 48];
    while out.len() < 32 {
        openssl::rand::rand_bytes(&mut buf).map_err(|e| Error::internal(format!("CSPRNG: {e}")))?;
        for &b in buf.iter() {
            // 248 = 4 * 62: rejecting the top keeps every character equally likely.
            if b < 248 && out.len() < 32 {
                out.push(NONCE_ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    Ok(out)
}

/// `PID-RANDOM` (12 hex digits from the CSPRNG): names this process's entries in state other
/// processes share (journal leases, rate-limit slots), unique even across hosts and PID reuse.
pub fn instance_id() -> Result<String> {
    let mut r = [0u8; 6];
    openssl::rand::rand_bytes(&mut r).map_err(|e| Error::internal(format!("CSPRNG: {e}")))?;
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}-{hex}", std::process::id()))
}

/// A journal lease holder id, unique per client instance across a fleet:
/// `HOST/START/PID-RANDOM` (START in Unix seconds), the host name bounded to 64 characters.
pub fn holder_id() -> Result<String> {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into the buffer it is given.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let host = if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        crate::core::text::clean(&String::from_utf8_lossy(&buf[..end]), 64)
    } else {
        "unknown-host".to_string()
    };
    Ok(format!(
        "{host}/{}/{}",
        crate::core::clock::unix_now(),
        instance_id()?
    ))
}

/// A uniformly drawn fraction in [0, 1] for jitter; 0.5 if the CSPRNG fails (jitter needs no
/// secrecy, and a pause must not fail a call).
pub fn jitter_fraction() -> f64 {
    let mut b = [0u8; 2];
    match openssl::rand::rand_bytes(&mut b) {
        Ok(()) => u16::from_le_bytes(b) as f64 / u16::MAX as f64,
        Err(_) => 0.5,
    }
}

/// `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`, the message a request signature covers.
pub fn request_message(
    method: &str,
    url: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(
        method.len() + url.len() + timestamp.len() + nonce.len() + body.len() + 5,
    );
    for part in [
        method.as_bytes(),
        url.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ] {
        m.extend_from_slice(part);
        m.push(b'\n');
    }
    m
}

/// `TIMESTAMP\nNONCE\nBODY\n`, the message a response or notification signature covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        m.extend_from_slice(part);
        m.push(b'\n');
    }
    m
}

/// SHA256withRSA (PKCS#1 v1.5), base64.
pub fn sign(key: &PKey<Private>, message: &[u8]) -> Result<String> {
    let run = || -> std::result::Result<Vec<u8>, openssl::error::ErrorStack> {
        let mut s = Signer::new(MessageDigest::sha256(), key)?;
        s.set_rsa_padding(Padding::PKCS1)?;
        s.update(message)?;
        s.sign_to_vec()
    };
    run()
        .map(|sig| base64::encode_block(&sig))
        .map_err(|e| Error::internal(format!("signing failed: {e}")))
}

/// Checks a base64 SHA256withRSA signature. Undecodable signatures (probe signatures among
/// them) are an ordinary `false`, never an error.
pub fn verify(key: &PKey<Public>, message: &[u8], signature_b64: &str) -> bool {
    let sig = match base64::decode_block(signature_b64) {
        Ok(s) if !s.is_empty() => s,
        _ => return false,
    };
    let run = || -> std::result::Result<bool, openssl::error::ErrorStack> {
        let mut v = Verifier::new(MessageDigest::sha256(), key)?;
        v.set_rsa_padding(Padding::PKCS1)?;
        v.update(message)?;
        v.verify(&sig)
    };
    run().unwrap_or(false)
}

/// RSA-OAEP (SHA-1, MGF1-SHA-1), base64: how APIv3 protects sensitive request fields.
pub fn encrypt_oaep(key: &PKey<Public>, plaintext: &[u8]) -> Result<String> {
    let rsa = key
        .rsa()
        .map_err(|e| Error::internal(format!("encryption key: {e}")))?;
    let mut out = vec![0u8; rsa.size() as usize];
    let n = rsa
        .public_encrypt(plaintext, &mut out, Padding::PKCS1_OAEP)
        .map_err(|_| {
            Error::new(
                ErrorKind::InvalidArgument,
                "value too long for RSA-OAEP encryption",
            )
        })?;
    out.truncate(n);
    Ok(base64::encode_block(&out))
}

/// The nonce length of WeChat Pay's AEAD_AES_256_GCM resources.
pub const AES_GCM_NONCE_BYTES: usize = 12;

/// AEAD_AES_256_GCM as APIv3 uses it: key = the 32 bytes of the APIv3 key, IV = the nonce's
/// bytes, `ciphertext_b64` = base64(ciphertext ‖ 16-byte tag).
pub fn aes_gcm_decrypt(
    apiv3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Result<Vec<u8>> {
    if apiv3_key.len() != 32 {
        return Err(Error::config("apiv3_key", "must be 32 bytes"));
    }
    // WeChat Pay's AEAD_AES_256_GCM resources carry a 12-character nonce (the GCM standard IV
    // length); any other length is refused before OpenSSL sees it.
    if nonce.len() != AES_GCM_NONCE_BYTES {
        return Err(Error::new(
            ErrorKind::BadResponse,
            format!(
                "nonce must be {AES_GCM_NONCE_BYTES} bytes, not {}",
                nonce.len()
            ),
        ));
    }
    let raw = base64::decode_block(ciphertext_b64)
        .map_err(|_| Error::new(ErrorKind::BadResponse, "ciphertext is not valid base64"))?;
    if raw.len() < 16 {
        return Err(Error::new(
            ErrorKind::BadResponse,
            "ciphertext shorter than its tag",
        ));
    }
    let (ct, tag) = raw.split_at(raw.len() - 16);
    decrypt_aead(
        Cipher::aes_256_gcm(),
        apiv3_key,
        Some(nonce.as_bytes()),
        associated_data.as_bytes(),
        ct,
        tag,
    )
    .map_err(|_| {
        Error::new(
            ErrorKind::BadResponse,
            "AES-GCM authentication failed (wrong APIv3 key or tampered data)",
        )
    })
}

/// Overwrites a buffer that held key material before it is dropped.
pub(crate) fn wipe(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        // Volatile so the compiler cannot drop the stores as dead.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

/// Parses an RSA private key from PEM (PKCS#8 or PKCS#1). Errors name `item`, never the key.
pub fn private_key_from_pem(item: &str, pem: &[u8]) -> Result<PKey<Private>> {
    let key = PKey::private_key_from_pem(pem).map_err(|_| {
        Error::config(
            item,
            "not a PEM RSA private key (PKCS#8 or PKCS#1 expected)",
        )
    })?;
    require_rsa(item, key.rsa().ok().map(|r| r.size()))?;
    Ok(key)
}

/// Parses an RSA public key from PEM (SubjectPublicKeyInfo or PKCS#1).
pub fn public_key_from_pem(item: &str, pem: &[u8]) -> Result<PKey<Public>> {
    let key = match PKey::public_key_from_pem(pem) {
        Ok(k) => k,
        Err(_) => Rsa::public_key_from_pem_pkcs1(pem)
            .and_then(PKey::from_rsa)
            .map_err(|_| Error::config(item, "not a PEM RSA public key"))?,
    };
    require_rsa(item, key.rsa().ok().map(|r| r.size()))?;
    Ok(key)
}

/// Parses a platform certificate; returns its key and its serial in upper-case hex.
pub fn certificate_from_pem(item: &str, pem: &[u8]) -> Result<(PKey<Public>, String)> {
    let cert =
        X509::from_pem(pem).map_err(|_| Error::config(item, "not a PEM X.509 certificate"))?;
    let key = cert
        .public_key()
        .map_err(|_| Error::config(item, "certificate has no usable public key"))?;
    require_rsa(item, key.rsa().ok().map(|r| r.size()))?;
    let serial = cert
        .serial_number()
        .to_bn()
        .and_then(|bn| bn.to_hex_str().map(|s| s.to_string()))
        .map_err(|_| Error::config(item, "unreadable certificate serial"))?;
    Ok((key, serial.to_uppercase()))
}

fn require_rsa(item: &str, size_bytes: Option<u32>) -> Result<()> {
    match size_bytes {
        Some(n) if n >= 256 => Ok(()),
        Some(_) => Err(Error::config(item, "RSA key shorter than 2048 bits")),
        None => Err(Error::config(item, "not an RSA key")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_gcm_known_vector() {
        let pt = aes_gcm_decrypt(
            b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
            "uluk4a9R25RW",
            "associatedData",
            "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
        )
        .unwrap();
        assert_eq!(pt, b"message");
        let tampered = aes_gcm_decrypt(
            b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
            "uluk4a9R25RW",
            "associatedDatX",
            "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
        );
        assert_eq!(tampered.unwrap_err().kind, ErrorKind::BadResponse);
    }

    #[test]
    fn message_formats() {
        assert_eq!(
            request_message("POST", "/v3/x?a=1", "1700000000", "N", b"{}"),
            b"POST\n/v3/x?a=1\n1700000000\nN\n{}\n"
        );
        assert_eq!(
            request_message("GET", "/v3/x", "1", "N", b""),
            b"GET\n/v3/x\n1\nN\n\n"
        );
        assert_eq!(response_message("1", "N", b""), b"1\nN\n\n");
        assert_eq!(response_message("1", "N", b"{}"), b"1\nN\n{}\n");
    }

    #[test]
    fn nonce_shape_and_uniqueness() {
        let a = nonce().unwrap();
        let b = nonce().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn sign_verify_encrypt_roundtrip() {
        let rsa = Rsa::generate(2048).unwrap();
        let private = PKey::from_rsa(rsa.clone()).unwrap();
        let public_pem = rsa.public_key_to_pem().unwrap();
        let public = public_key_from_pem("k", &public_pem).unwrap();
        let sig = sign(&private, b"hello").unwrap();
        assert!(verify(&public, b"hello", &sig));
        assert!(!verify(&public, b"hellO", &sig));
        assert!(!verify(&public, b"hello", "WECHATPAY/SIGNTEST/abc"));
        assert!(!verify(&public, b"hello", ""));

        let ct = encrypt_oaep(&public, b"6222000011112222").unwrap();
        let raw = base64::decode_block(&ct).unwrap();
        let mut out = vec![0u8; 256];
        let n = rsa
            .private_decrypt(&raw, &mut out, Padding::PKCS1_OAEP)
            .unwrap();
        assert_eq!(&out[..n], b"6222000011112222");
        assert!(encrypt_oaep(&public, &[b'1'; OAEP_MAX_PLAINTEXT]).is_ok());
        assert!(encrypt_oaep(&public, &[b'1'; OAEP_MAX_PLAINTEXT + 1]).is_err());
    }

    #[test]
    fn key_errors_name_the_item_not_the_key() {
        let e = private_key_from_pem(
            "merchant_private_key",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
        assert!(e.message.starts_with("merchant_private_key:"));
        assert!(!e.message.contains("AAAA"));
        let rsa = Rsa::generate(2048).unwrap();
        let pkcs1 = rsa.private_key_to_pem().unwrap();
        let pkcs8 = PKey::from_rsa(rsa)
            .unwrap()
            .private_key_to_pem_pkcs8()
            .unwrap();
        assert!(private_key_from_pem("k", &pkcs1).is_ok());
        assert!(private_key_from_pem("k", &pkcs8).is_ok());
    }
}
