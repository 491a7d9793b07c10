//! Client::verify on arbitrary `Wechatpay-*` header values and bodies. Bits of `fix` replace
//! fields with valid ones (timestamp now, trusted serial, the platform's real signature) so the
//! fuzzer reaches every check; `tamper` changes the body after signing.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wx_recover::{ErrorKind, SignedHeaders};
use wx_recover_fuzz as fx;

#[derive(Arbitrary, Debug)]
struct Input {
    timestamp: String,
    nonce: String,
    signature: String,
    serial: String,
    signature_type: Option<String>,
    body: Vec<u8>,
    fix: u8,
    tamper: Option<u16>,
}

fuzz_target!(|inp: Input| {
    let mut h = SignedHeaders {
        timestamp: inp.timestamp,
        nonce: inp.nonce,
        signature: inp.signature,
        serial: inp.serial,
        signature_type: inp.signature_type,
    };
    if inp.fix & 1 != 0 {
        h.timestamp = fx::now().to_string();
    }
    if inp.fix & 2 != 0 {
        h.serial = fx::PUBLIC_KEY_ID.to_string();
    }
    let signed = inp.fix & 4 != 0;
    if signed {
        h.signature = fx::platform_sign(&h.timestamp, &h.nonce, &inp.body);
    }
    let mut body = inp.body;
    let mut tampered = false;
    if let (Some(t), false) = (inp.tamper, body.is_empty()) {
        let i = t as usize % body.len();
        body[i] ^= 0x01;
        tampered = true;
    }
    let client = fx::client();
    match client.verify(&h, &body) {
        Ok(()) => {
            assert!(
                signed && !tampered,
                "an answer we did not sign verified: {h:?}"
            );
            assert_eq!(h.serial, fx::PUBLIC_KEY_ID);
        }
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::Unverified, "{e}");
            let fully_valid = inp.fix & 7 == 7
                && !tampered
                && !h.nonce.is_empty()
                && h.signature_type
                    .as_deref()
                    .map_or(true, |t| t == "WECHATPAY2-SHA256-RSA2048");
            assert!(
                !fully_valid,
                "a correctly signed fresh answer was rejected: {e}"
            );
        }
    }
});
