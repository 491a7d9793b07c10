//! The state directory: keys, certificates, secrets and the seeded control orders.
//!
//! The first start with a given directory generates everything; later starts reuse the keys,
//! certificates and secrets (so a client configured once keeps working), and rewrite
//! `sandbox.json` / `client.json` because the ports change on every start.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509Ref, X509};
use serde_json::{json, Value};

use crate::util::{now_unix, random_alnum, random_bytes, random_digits, random_hex_upper};

/// The initiating merchant (the one that signs requests) when a state dir is first created.
pub const DEFAULT_INITIATOR_MCHID: &str = "1900000001";

pub struct Material {
    pub dir: PathBuf,
    pub mchid: String,
    pub merchant_serial_no: String,
    pub merchant_private_key_path: PathBuf,
    pub merchant_public: PKey<Public>,
    pub wechatpay_key: PKey<Private>,
    pub wechatpay_public_key_id: String,
    pub wechatpay_public_key_path: PathBuf,
    pub platform_certificate_path: PathBuf,
    pub platform_certificate_pem: Vec<u8>,
    pub platform_certificate_serial: String,
    pub platform_not_before: i64,
    pub platform_not_after: i64,
    pub apiv3_key: String,
    pub ca_cert_path: PathBuf,
    pub server_cert: X509,
    pub server_key: PKey<Private>,
}

/// A seeded control order.
#[derive(Clone, Debug)]
pub struct Order {
    pub related_webank_punish_no: String,
    pub related_wxpay_punish_no: String,
    pub mchid: String,
    pub bal_account_no: String,
    pub success: bool,
    pub punish_scene: &'static str,
    pub punish_rule_version: &'static str,
}

impl Order {
    pub fn to_json(&self) -> Value {
        json!({
            "related_webank_punish_no": self.related_webank_punish_no,
            "related_wxpay_punish_no": self.related_wxpay_punish_no,
            "mchid": self.mchid,
            "bal_account_no": self.bal_account_no,
            "outcome": if self.success { "SUCCESS" } else { "FAILED" },
        })
    }
}

/// Deterministic seeded orders: order `i` belongs to merchant `1900000100 + i`; every tenth
/// (`i % 10 == 9`) is seeded to FAILED.
pub fn seed_orders(n: usize) -> Vec<Order> {
    const SCENES: [&str; 3] = ["RISK_CONTROL", "JUDICIAL_FREEZE", "LEDGER_ABNORMAL"];
    (0..n)
        .map(|i| {
            let i64_ = i as u64;
            Order {
                related_webank_punish_no: format!("WBP20250909{:08}", i64_ + 1),
                related_wxpay_punish_no: format!("1000202509090{:09}", i64_ + 1),
                mchid: (1_900_000_100u64 + i64_).to_string(),
                bal_account_no: format!(
                    "6230{:015}",
                    (i64_ * 7_919 + 104_729) % 1_000_000_000_000_000
                ),
                success: i % 10 != 9,
                punish_scene: SCENES[i % SCENES.len()],
                punish_rule_version: "V1.0",
            }
        })
        .collect()
}

fn err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Writes `data` to `path` atomically (temp file + rename), with the given mode.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", random_digits(8)));
    {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)
}

struct Paths {
    state: PathBuf,
    ca_cert: PathBuf,
    ca_key: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    merchant_key: PathBuf,
    merchant_pub: PathBuf,
    wx_key: PathBuf,
    wx_pub: PathBuf,
    platform_cert: PathBuf,
}

impl Paths {
    fn new(dir: &Path) -> Paths {
        Paths {
            state: dir.join("state.json"),
            ca_cert: dir.join("ca_cert.pem"),
            ca_key: dir.join("ca_key.pem"),
            server_cert: dir.join("server_cert.pem"),
            server_key: dir.join("server_key.pem"),
            merchant_key: dir.join("merchant_private_key.pem"),
            merchant_pub: dir.join("merchant_public_key.pem"),
            wx_key: dir.join("wechatpay_private_key.pem"),
            wx_pub: dir.join("wechatpay_public_key.pem"),
            platform_cert: dir.join("platform_certificate.pem"),
        }
    }
}

/// Loads the material from `dir`, generating it first if it is missing or unreadable.
pub fn load_or_create(dir: &Path) -> io::Result<Material> {
    fs::create_dir_all(dir)?;
    let dir = fs::canonicalize(dir)?;
    let p = Paths::new(&dir);
    if p.state.exists() {
        if let Ok(m) = load(&dir, &p) {
            return Ok(m);
        }
    }
    generate(&dir, &p)?;
    load(&dir, &p)
}

fn load(dir: &Path, p: &Paths) -> io::Result<Material> {
    let state: Value = serde_json::from_slice(&fs::read(&p.state)?).map_err(err)?;
    let s = |k: &str| -> io::Result<String> {
        state
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| err(format!("state.json lacks {k}")))
    };
    let merchant_private = PKey::private_key_from_pem(&fs::read(&p.merchant_key)?).map_err(err)?;
    let merchant_public =
        PKey::public_key_from_pem(&merchant_private.public_key_to_pem().map_err(err)?)
            .map_err(err)?;
    let wechatpay_key = PKey::private_key_from_pem(&fs::read(&p.wx_key)?).map_err(err)?;
    // The public key file must exist and match.
    let wx_pub = PKey::public_key_from_pem(&fs::read(&p.wx_pub)?).map_err(err)?;
    if !wx_pub.public_eq(&wechatpay_key) {
        return Err(err("wechatpay public key does not match private key"));
    }
    let platform_certificate_pem = fs::read(&p.platform_cert)?;
    let platform = X509::from_pem(&platform_certificate_pem).map_err(err)?;
    let serial = platform
        .serial_number()
        .to_bn()
        .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
        .map_err(err)?
        .to_uppercase();
    let server_cert = X509::from_pem(&fs::read(&p.server_cert)?).map_err(err)?;
    let server_key = PKey::private_key_from_pem(&fs::read(&p.server_key)?).map_err(err)?;
    X509::from_pem(&fs::read(&p.ca_cert)?).map_err(err)?;
    let apiv3_key = s("apiv3_key")?;
    if apiv3_key.len() != 32 {
        return Err(err("bad apiv3 key"));
    }
    Ok(Material {
        dir: dir.to_path_buf(),
        mchid: s("mchid")?,
        merchant_serial_no: s("merchant_serial_no")?,
        merchant_private_key_path: p.merchant_key.clone(),
        merchant_public,
        wechatpay_key,
        wechatpay_public_key_id: s("wechatpay_public_key_id")?,
        wechatpay_public_key_path: p.wx_pub.clone(),
        platform_certificate_path: p.platform_cert.clone(),
        platform_certificate_pem,
        platform_certificate_serial: serial,
        platform_not_before: asn1_to_unix(platform.not_before())?,
        platform_not_after: asn1_to_unix(platform.not_after())?,
        apiv3_key,
        ca_cert_path: p.ca_cert.clone(),
        server_cert,
        server_key,
    })
}

fn asn1_to_unix(t: &openssl::asn1::Asn1TimeRef) -> io::Result<i64> {
    let epoch = Asn1Time::from_unix(0).map_err(err)?;
    let d = epoch.diff(t).map_err(err)?;
    Ok(d.days as i64 * 86_400 + d.secs as i64)
}

fn rsa2048() -> io::Result<PKey<Private>> {
    PKey::from_rsa(Rsa::generate(2048).map_err(err)?).map_err(err)
}

/// TLS-only keys (CA, server) are P-256: generation is instant, unlike RSA-2048 (~0.5-1 s each).
fn ec_p256() -> io::Result<PKey<Private>> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).map_err(err)?;
    PKey::from_ec_key(EcKey::generate(&group).map_err(err)?).map_err(err)
}

/// A positive 20-byte serial whose upper-case hex is exactly 40 characters.
fn random_serial() -> io::Result<BigNum> {
    let mut b = random_bytes(20);
    b[0] = 0x10 + (b[0] % 0x70);
    BigNum::from_slice(&b).map_err(err)
}

enum Kind {
    Ca,
    Server,
    Platform,
}

fn make_cert(
    cn: &str,
    key: &PKey<Private>,
    issuer: Option<(&X509Ref, &PKey<Private>)>,
    kind: Kind,
    days: u32,
) -> io::Result<X509> {
    let now = now_unix();
    make_cert_valid(
        cn,
        key,
        issuer,
        kind,
        now - 86_400,
        now + days as i64 * 86_400,
    )
}

/// Issues a new platform certificate (fresh RSA-2048 key, signed by the state dir's CA) valid
/// from `not_before` to `not_after` (Unix seconds). Returns the key, the PEM and the serial.
pub fn issue_platform_certificate(
    dir: &Path,
    not_before: i64,
    not_after: i64,
) -> io::Result<(PKey<Private>, Vec<u8>, String)> {
    let p = Paths::new(dir);
    let ca = X509::from_pem(&fs::read(&p.ca_cert)?).map_err(err)?;
    let ca_key = PKey::private_key_from_pem(&fs::read(&p.ca_key)?).map_err(err)?;
    let key = rsa2048()?;
    let cert = make_cert_valid(
        "Tenpay.com Root CA (wx-sandbox rotated platform certificate)",
        &key,
        Some((&ca, &ca_key)),
        Kind::Platform,
        not_before,
        not_after,
    )?;
    let serial = cert
        .serial_number()
        .to_bn()
        .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
        .map_err(err)?
        .to_uppercase();
    Ok((key, cert.to_pem().map_err(err)?, serial))
}

fn make_cert_valid(
    cn: &str,
    key: &PKey<Private>,
    issuer: Option<(&X509Ref, &PKey<Private>)>,
    kind: Kind,
    not_before: i64,
    not_after: i64,
) -> io::Result<X509> {
    let mut nb = X509NameBuilder::new().map_err(err)?;
    nb.append_entry_by_text("C", "CN").map_err(err)?;
    nb.append_entry_by_text("O", "wx-sandbox (test only)")
        .map_err(err)?;
    nb.append_entry_by_text("CN", cn).map_err(err)?;
    let name = nb.build();
    let mut b = X509Builder::new().map_err(err)?;
    b.set_version(2).map_err(err)?;
    let serial = random_serial()?.to_asn1_integer().map_err(err)?;
    b.set_serial_number(&serial).map_err(err)?;
    b.set_subject_name(&name).map_err(err)?;
    match issuer {
        Some((c, _)) => b.set_issuer_name(c.subject_name()).map_err(err)?,
        None => b.set_issuer_name(&name).map_err(err)?,
    }
    b.set_pubkey(key).map_err(err)?;
    let nbf = Asn1Time::from_unix(not_before).map_err(err)?;
    let naf = Asn1Time::from_unix(not_after).map_err(err)?;
    b.set_not_before(&nbf).map_err(err)?;
    b.set_not_after(&naf).map_err(err)?;
    match kind {
        Kind::Ca => {
            b.append_extension(
                BasicConstraints::new()
                    .critical()
                    .ca()
                    .build()
                    .map_err(err)?,
            )
            .map_err(err)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .digital_signature()
                    .build()
                    .map_err(err)?,
            )
            .map_err(err)?;
        }
        Kind::Server => {
            b.append_extension(BasicConstraints::new().critical().build().map_err(err)?)
                .map_err(err)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .key_agreement()
                    .build()
                    .map_err(err)?,
            )
            .map_err(err)?;
            b.append_extension(ExtendedKeyUsage::new().server_auth().build().map_err(err)?)
                .map_err(err)?;
            let san = SubjectAlternativeName::new()
                .ip("127.0.0.1")
                .dns("localhost")
                .build(&b.x509v3_context(issuer.map(|(c, _)| c), None))
                .map_err(err)?;
            b.append_extension(san).map_err(err)?;
        }
        Kind::Platform => {
            b.append_extension(BasicConstraints::new().critical().build().map_err(err)?)
                .map_err(err)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .key_encipherment()
                    .non_repudiation()
                    .build()
                    .map_err(err)?,
            )
            .map_err(err)?;
        }
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(issuer.map(|(c, _)| c), None))
        .map_err(err)?;
    b.append_extension(ski).map_err(err)?;
    if let Some((c, _)) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(false)
            .build(&b.x509v3_context(Some(c), None))
            .map_err(err)?;
        b.append_extension(aki).map_err(err)?;
    }
    let signer = issuer.map(|(_, k)| k).unwrap_or(key);
    b.sign(signer, MessageDigest::sha256()).map_err(err)?;
    Ok(b.build())
}

fn generate(_dir: &Path, p: &Paths) -> io::Result<()> {
    // The two RSA-2048 keys are generated in parallel: that dominates start-up time.
    let (merchant_key, wx_key) = std::thread::scope(|s| {
        let m = s.spawn(rsa2048);
        let w = rsa2048();
        let m = m
            .join()
            .unwrap_or_else(|_| Err(err("key generation thread panicked")));
        (m, w)
    });
    let (merchant_key, wx_key) = (merchant_key?, wx_key?);
    let ca_key = ec_p256()?;
    let ca = make_cert("wx-sandbox test CA", &ca_key, None, Kind::Ca, 3650)?;
    let server_key = ec_p256()?;
    let server = make_cert(
        "127.0.0.1",
        &server_key,
        Some((&ca, &ca_key)),
        Kind::Server,
        3650,
    )?;
    let platform = make_cert(
        "Tenpay.com Root CA (wx-sandbox platform certificate)",
        &wx_key,
        Some((&ca, &ca_key)),
        Kind::Platform,
        1825,
    )?;
    let pem = |r: Result<Vec<u8>, openssl::error::ErrorStack>| r.map_err(err);
    write_atomic(&p.ca_key, &pem(ca_key.private_key_to_pem_pkcs8())?, 0o600)?;
    write_atomic(&p.ca_cert, &pem(ca.to_pem())?, 0o644)?;
    write_atomic(
        &p.server_key,
        &pem(server_key.private_key_to_pem_pkcs8())?,
        0o600,
    )?;
    write_atomic(&p.server_cert, &pem(server.to_pem())?, 0o644)?;
    write_atomic(
        &p.merchant_key,
        &pem(merchant_key.private_key_to_pem_pkcs8())?,
        0o600,
    )?;
    write_atomic(
        &p.merchant_pub,
        &pem(merchant_key.public_key_to_pem())?,
        0o644,
    )?;
    write_atomic(&p.wx_key, &pem(wx_key.private_key_to_pem_pkcs8())?, 0o600)?;
    write_atomic(&p.wx_pub, &pem(wx_key.public_key_to_pem())?, 0o644)?;
    write_atomic(&p.platform_cert, &pem(platform.to_pem())?, 0o644)?;
    let state = json!({
        "mchid": DEFAULT_INITIATOR_MCHID,
        "merchant_serial_no": random_hex_upper(40),
        "wechatpay_public_key_id": format!("PUB_KEY_ID_01{}", random_digits(24)),
        "apiv3_key": random_alnum(32),
    });
    let data = serde_json::to_vec_pretty(&state).map_err(err)?;
    write_atomic(&p.state, &data, 0o600)
}
