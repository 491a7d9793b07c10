//! RSA signing / verification, RSA-OAEP decryption and AES-256-GCM, all via OpenSSL.

use openssl::encrypt::Decrypter;
use openssl::hash::MessageDigest;
use openssl::pkey::{HasPublic, PKey, PKeyRef, Private};
use openssl::rsa::Padding;
use openssl::sign::{Signer, Verifier};
use openssl::symm::{decrypt_aead, encrypt_aead, Cipher};

/// SHA256withRSA (PKCS#1 v1.5).
pub fn rsa_sign(key: &PKeyRef<Private>, msg: &[u8]) -> Result<Vec<u8>, String> {
    let mut s = Signer::new(MessageDigest::sha256(), key).map_err(|e| e.to_string())?;
    s.update(msg).map_err(|e| e.to_string())?;
    s.sign_to_vec().map_err(|e| e.to_string())
}

/// Verifies a SHA256withRSA (PKCS#1 v1.5) signature.
pub fn rsa_verify<T: HasPublic>(key: &PKeyRef<T>, msg: &[u8], sig: &[u8]) -> bool {
    let Ok(mut v) = Verifier::new(MessageDigest::sha256(), key) else {
        return false;
    };
    if v.update(msg).is_err() {
        return false;
    }
    v.verify(sig).unwrap_or(false)
}

/// RSA-OAEP (SHA-1, MGF1-SHA-1) decryption.
pub fn oaep_decrypt(key: &PKey<Private>, ct: &[u8]) -> Result<Vec<u8>, String> {
    let mut d = Decrypter::new(key).map_err(|e| e.to_string())?;
    d.set_rsa_padding(Padding::PKCS1_OAEP)
        .map_err(|e| e.to_string())?;
    d.set_rsa_oaep_md(MessageDigest::sha1())
        .map_err(|e| e.to_string())?;
    d.set_rsa_mgf1_md(MessageDigest::sha1())
        .map_err(|e| e.to_string())?;
    let len = d.decrypt_len(ct).map_err(|e| e.to_string())?;
    let mut out = vec![0u8; len];
    let n = d.decrypt(ct, &mut out).map_err(|e| e.to_string())?;
    out.truncate(n);
    Ok(out)
}

/// AES-256-GCM encryption as WeChat Pay uses it: returns ciphertext || 16-byte tag.
pub fn aes_gcm_encrypt(key: &[u8], nonce: &[u8], aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, String> {
    if key.len() != 32 {
        return Err("AES-256-GCM key must be 32 bytes".into());
    }
    let mut tag = [0u8; 16];
    let mut ct = encrypt_aead(Cipher::aes_256_gcm(), key, Some(nonce), aad, pt, &mut tag)
        .map_err(|e| e.to_string())?;
    ct.extend_from_slice(&tag);
    Ok(ct)
}

/// Inverse of [`aes_gcm_encrypt`]: `data` is ciphertext || 16-byte tag.
#[cfg_attr(not(test), allow(dead_code))]
pub fn aes_gcm_decrypt(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, String> {
    if key.len() != 32 {
        return Err("AES-256-GCM key must be 32 bytes".into());
    }
    if data.len() < 16 {
        return Err("ciphertext shorter than the GCM tag".into());
    }
    let (ct, tag) = data.split_at(data.len() - 16);
    decrypt_aead(Cipher::aes_256_gcm(), key, Some(nonce), aad, ct, tag).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::{b64, unb64};

    #[test]
    fn aes_gcm_known_vector() {
        let key = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
        let nonce = b"uluk4a9R25RW";
        let aad = b"associatedData";
        let data = unb64("ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=").expect("base64");
        let pt = aes_gcm_decrypt(key, nonce, aad, &data).expect("decrypt");
        assert_eq!(pt, b"message");
        let ct = aes_gcm_encrypt(key, nonce, aad, b"message").expect("encrypt");
        assert_eq!(b64(&ct), "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=");
        // Tampered tag fails.
        let mut bad = data.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(aes_gcm_decrypt(key, nonce, aad, &bad).is_err());
    }

    #[test]
    fn sign_verify_oaep_roundtrip() {
        let rsa = openssl::rsa::Rsa::generate(2048).expect("rsa");
        let key = PKey::from_rsa(rsa).expect("pkey");
        let sig = rsa_sign(&key, b"hello").expect("sign");
        assert!(rsa_verify(&key, b"hello", &sig));
        assert!(!rsa_verify(&key, b"hellO", &sig));

        let mut enc = openssl::encrypt::Encrypter::new(&key).expect("enc");
        enc.set_rsa_padding(Padding::PKCS1_OAEP).expect("pad");
        enc.set_rsa_oaep_md(MessageDigest::sha1()).expect("md");
        enc.set_rsa_mgf1_md(MessageDigest::sha1()).expect("mgf");
        let mut ct = vec![0u8; enc.encrypt_len(b"6230").expect("len")];
        let n = enc.encrypt(b"6230", &mut ct).expect("encrypt");
        ct.truncate(n);
        assert_eq!(oaep_decrypt(&key, &ct).expect("decrypt"), b"6230");
        assert!(oaep_decrypt(&key, b"garbage").is_err());
    }
}
