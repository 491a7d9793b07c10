//! RecoverRequest::validate on arbitrary strings, checked against the documented input rules
//! (docs/design.md) both ways: every accepted request obeys them, every rejected one breaks one.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wx_recover::{ErrorKind, RecoverRequest};

#[derive(Arbitrary, Debug)]
struct Input {
    out_request_no: String,
    related_webank_punish_no: String,
    related_wxpay_punish_no: String,
    mchid: String,
    bal_account_no: String,
    recover_reason: Option<String>,
}

/// Present, no control characters, at most 256 bytes (the documented identifier rules).
fn ident_ok(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control) && s.len() <= 256
}

fuzz_target!(|i: Input| {
    let r = RecoverRequest {
        out_request_no: i.out_request_no,
        related_webank_punish_no: i.related_webank_punish_no,
        related_wxpay_punish_no: i.related_wxpay_punish_no,
        mchid: i.mchid,
        bal_account_no: i.bal_account_no,
        recover_reason: i.recover_reason,
        ..Default::default()
    };
    let rules_hold = ident_ok(&r.out_request_no)
        && r.out_request_no.len() <= 64
        && ident_ok(&r.related_webank_punish_no)
        && ident_ok(&r.related_wxpay_punish_no)
        && ident_ok(&r.mchid)
        && ident_ok(&r.bal_account_no)
        && r.bal_account_no.len() <= 214
        && r.out_request_no != r.related_webank_punish_no
        && r.recover_reason.as_deref().map_or(true, |s| {
            s.chars().count() <= 256 && !s.chars().any(char::is_control)
        });
    match r.validate() {
        Ok(()) => assert!(rules_hold, "accepted a request that breaks a rule: {r:?}"),
        Err(e) => {
            assert!(!rules_hold, "rejected a valid request: {e}");
            assert_eq!(e.kind, ErrorKind::InvalidArgument);
            let msg = e.to_string();
            let fields = [
                "out_request_no",
                "related_webank_punish_no",
                "related_wxpay_punish_no",
                "mchid",
                "bal_account_no",
                "recover_reason",
            ];
            assert!(
                fields.iter().any(|f| msg.contains(f)),
                "message names no field: {msg}"
            );
            let bal = &r.bal_account_no;
            if bal.len() >= 12 && bal.bytes().all(|b| b.is_ascii_digit()) {
                assert!(!msg.contains(bal.as_str()), "message quotes bal_account_no");
            }
            assert!(format!("{r:?}").contains("<redacted>"));
        }
    }
});
