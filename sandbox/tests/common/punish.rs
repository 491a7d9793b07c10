//! Test support for the punish endpoint and the PUNISH query.

use std::io;
use std::time::Duration;

use serde_json::{json, Value};

use super::{Client, Resp, QUERY};

pub const PUNISH: &str = "/v3/aggracct-bc/wb-channel/control-orders/punish";

impl Client {
    /// A valid punish body with only the required fields: target merchant `mchid`, ledger
    /// `bal` (encrypted), scene 1.
    pub fn punish_body(&self, out: &str, mchid: &str, bal: &str) -> Value {
        json!({
            "out_request_no": out,
            "mchid": mchid,
            "bal_account_no": self.encrypt(bal),
            "punish_scene": 1,
        })
    }

    pub fn punish_on(&self, which: &str, body: &Value) -> io::Result<Resp> {
        let b = serde_json::to_vec(body).expect("json");
        self.call(which, "POST", PUNISH, &b, None, Some(&self.pub_id))
    }

    pub fn punish(&self, body: &Value) -> Resp {
        self.punish_on("primary", body).expect("punish I/O")
    }

    /// `GET …/{out}?control_type=PUNISH&mchid=…` on the primary.
    pub fn punish_query(&self, out_encoded: &str, mchid: &str) -> Resp {
        let pq = format!("{QUERY}{out_encoded}?control_type=PUNISH&mchid={mchid}");
        self.call("primary", "GET", &pq, b"", None, Some(&self.pub_id))
            .expect("query I/O")
    }

    /// Polls the PUNISH query until the punish leaves EXECUTING.
    pub fn wait_punish_final(&self, out: &str, mchid: &str) -> Value {
        for _ in 0..100 {
            let r = self.punish_query(out, mchid);
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            let v = r.json();
            if v["punish_order"]["punish_state"] != "EXECUTING" {
                return v;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("punish {out} never left EXECUTING");
    }

    /// A recover body lifting the control order that punish `punish_out` (numbered
    /// `wxpay_punish_no` by the sandbox) placed on `mchid` / `bal`.
    pub fn recover_punish_body(
        &self,
        out: &str,
        punish_out: &str,
        wxpay_punish_no: &str,
        mchid: &str,
        bal: &str,
    ) -> Value {
        json!({
            "out_request_no": out,
            "related_webank_punish_no": punish_out,
            "related_wxpay_punish_no": wxpay_punish_no,
            "mchid": mchid,
            "bal_account_no": self.encrypt(bal),
            "recover_reason": "管控解除 test",
        })
    }
}
