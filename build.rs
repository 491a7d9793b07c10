//! Generates the C header from src/ffi/ into OUT_DIR (never into the source tree, so
//! `cargo package` and read-only checkouts work) and gives the shared library its SONAME.
//! `make header` copies the generated header to include/; `make check-header` diffs it.

use std::path::PathBuf;

fn main() {
    let crate_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libwx_recover.so.{major}");
    // Reported by wx_build_info(): which platform this build is for.
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=WX_BUILD_TARGET={target}");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    match cbindgen::generate_with_config(&crate_dir, config) {
        Ok(bindings) => {
            bindings.write_to_file(out_dir.join("wx_recover.h"));
        }
        Err(e) => panic!("cbindgen failed to generate wx_recover.h: {e}"),
    }
}
