//! Config::from_json (and Client::new when the config is valid) on arbitrary text. Seeds use
//! `@MERCHANT_KEY@`/`@PUBLIC_KEY@`/`@CERT@` placeholders for PEMs generated at start-up.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wx_recover::{Client, Config, ErrorKind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Key and CA paths are read from disk; keep the fuzzer away from endless device files.
    if ["/dev", "/proc", "/sys"].iter().any(|p| text.contains(p)) {
        return;
    }
    let text = wx_recover_fuzz::expand_placeholders(text);
    match Config::from_json(&text) {
        Ok(cfg) => {
            // Only the proxy is parsed again by Client::new; building an HTTP client for
            // every valid input would slow the run down tenfold.
            if cfg.proxy().is_some() {
                let _ = Client::new(cfg);
            }
        }
        Err(e) => {
            assert!(
                matches!(e.kind, ErrorKind::Config | ErrorKind::InvalidArgument),
                "unexpected kind {:?}: {e}",
                e.kind
            );
            let msg = e.to_string();
            assert!(!msg.is_empty());
            // No error message may quote key material.
            let k = wx_recover_fuzz::keys();
            let secret_line = k.merchant_pem.lines().nth(2).unwrap_or("-");
            // An unknown key is named in the error by design; only values must stay unquoted.
            let in_a_key = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| {
                    v.as_object()
                        .map(|o| o.keys().any(|k| k.contains(secret_line)))
                })
                .unwrap_or(false);
            assert!(
                in_a_key || !msg.contains(secret_line),
                "error message quotes the private key"
            );
        }
    }
});
