"""Library discovery, the CLI (as a subprocess) and the example script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import wx_recover
from wx_recover import LibraryError, Status
from wx_recover import _native

PY_DIR = Path(__file__).resolve().parents[1]


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PY_DIR) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_explicit_missing_library_is_named(tmp_path):
    missing = tmp_path / "libwx_recover.so"
    with pytest.raises(LibraryError) as ei:
        wx_recover.Client("{}", library=missing)
    assert str(missing) in str(ei.value)


def test_env_var_missing_library_is_named(monkeypatch, tmp_path):
    missing = str(tmp_path / "nowhere.so")
    monkeypatch.setenv("WX_RECOVER_LIB", missing)
    with pytest.raises(LibraryError) as ei:
        wx_recover.load_library()
    assert missing in str(ei.value) and "WX_RECOVER_LIB" in str(ei.value)


def test_missing_symbol_is_version_skew(tmp_path):
    # Any real shared library lacks our symbols: the error must name them.
    import ctypes.util

    libc = ctypes.util.find_library("c")
    path = None
    for cand in ("/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/usr/lib/libc.so.6"):
        if os.path.exists(cand):
            path = cand
            break
    if path is None:
        pytest.skip(f"no libc file found ({libc})")
    with pytest.raises(LibraryError) as ei:
        _native.Native(path)
    assert "wx_recover_submit" in str(ei.value) and "version skew" in str(ei.value)


def test_search_order(monkeypatch):
    monkeypatch.setenv("WX_RECOVER_LIB", "/x/libwx_recover.so")
    origins = [o for o, _ in wx_recover.library_candidates()]
    assert origins[0] == "$WX_RECOVER_LIB"
    assert origins[1] == "bundled copy"
    assert origins[2:] == ["repo build (release)", "repo build (debug)"]
    assert wx_recover.library_candidates("/y.so") == [("explicit path", "/y.so")]


def test_status_enum_matches_library():
    lib = wx_recover.load_library()
    for s in Status:
        assert lib.wx_status_str(int(s)) not in (None, b"unknown status")
    assert lib.wx_status_str(99) == b"unknown status"  # takes an int: any value is safe


def test_cli_submit_and_query(sandbox):
    order = sandbox.take_order()
    no = sandbox.new_no("CLI")
    base = [sys.executable, "-m", "wx_recover"]
    r = subprocess.run(
        base + ["submit", "--config", sandbox.config_path, "--out-request-no", no,
                "--related-webank-punish-no", order["related_webank_punish_no"],
                "--related-wxpay-punish-no", order["related_wxpay_punish_no"],
                "--mchid", order["mchid"], "--bal-account-no", "-", "--recover-reason", "cli test"],
        input=order["bal_account_no"] + "\n", capture_output=True, text=True, env=_env(), timeout=60,
    )
    assert r.returncode == 0, r.stderr
    acc = json.loads(r.stdout)
    assert acc["out_request_no"] == no and acc["wxpay_recover_no"] and acc["request_id"]
    assert order["bal_account_no"] not in r.stdout + r.stderr

    r = subprocess.run(base + ["query", "--config", sandbox.config_path, "--out-request-no", no,
                               "--mchid", order["mchid"]],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["wxpay_recover_no"] == acc["wxpay_recover_no"]
    assert got["state"] in ("EXECUTING", "SUCCESS", "FAILED")


def test_cli_invalid_argument_exit_code(sandbox):
    order = sandbox.info["orders"][0]
    r = subprocess.run(
        [sys.executable, "-m", "wx_recover", "submit", "--config", sandbox.config_path,
         "--out-request-no", order["related_webank_punish_no"],
         "--related-webank-punish-no", order["related_webank_punish_no"],
         "--related-wxpay-punish-no", order["related_wxpay_punish_no"],
         "--mchid", order["mchid"], "--bal-account-no", order["bal_account_no"]],
        capture_output=True, text=True, env=_env(), timeout=60,
    )
    assert r.returncode == int(Status.INVALID_ARGUMENT)
    assert r.stdout == ""
    err = json.loads(r.stderr.strip().splitlines()[-1])
    assert err["status"] == "INVALID_ARGUMENT" and "out_request_no" in err["message"]


def test_cli_usage_and_config_errors(sandbox, tmp_path):
    r = subprocess.run([sys.executable, "-m", "wx_recover", "query", "--config", sandbox.config_path],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert r.returncode == int(Status.INVALID_ARGUMENT)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"mchid": "1"}))
    r = subprocess.run([sys.executable, "-m", "wx_recover", "query", "--config", str(bad),
                        "--out-request-no", "X1", "--mchid", "1"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert r.returncode == int(Status.CONFIG)
    assert json.loads(r.stderr)["status"] == "CONFIG"


@pytest.mark.parametrize("outcome,code", [("SUCCESS", 0), ("FAILED", 1)])
def test_example_script(sandbox, outcome, code):
    order = sandbox.take_order(outcome)
    no = sandbox.new_no("EX")
    r = subprocess.run(
        [sys.executable, str(PY_DIR / "examples" / "recover.py"), sandbox.config_path, no,
         order["related_webank_punish_no"], order["related_wxpay_punish_no"], order["mchid"],
         order["bal_account_no"], "example"],
        capture_output=True, text=True, timeout=90,  # no PYTHONPATH: the script finds the package
    )
    assert r.returncode == code, r.stdout + r.stderr
    assert "wxpay_recover_no=" in r.stdout and "Request-ID=" in r.stdout
    assert outcome in r.stdout


def test_missing_library_error_lists_every_way_to_get_one(monkeypatch):
    if (PY_DIR / "wx_recover" / "_lib" / "libwx_recover.so").exists():
        pytest.skip("this checkout has a bundled library (an editable install)")
    monkeypatch.delenv("WX_RECOVER_LIB", raising=False)
    monkeypatch.setattr(_native, "_repo_root", lambda: None)
    with pytest.raises(LibraryError) as ei:
        wx_recover.load_library()
    msg = str(ei.value)
    for way in ("pip install ./bindings/python", "cargo build --release", "library=PATH",
                "--library PATH", "WX_RECOVER_LIB=PATH", "bundled copy"):
        assert way in msg, (way, msg)


def test_version_flag_names_binding_library_and_module_program():
    r = subprocess.run([sys.executable, "-m", "wx_recover", "--version"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert r.returncode == 0, r.stderr
    lib = wx_recover.load_library()
    info = wx_recover.build_info()
    ssl = info["openssl"] + (", built in" if info["openssl_vendored"] else "")
    assert r.stdout.strip() == (f"python -m wx_recover {wx_recover.__version__} "
                                f"(library {lib.version()}, {ssl}, {lib.path})")
    cargo = (PY_DIR.parents[1] / "Cargo.toml").read_text()
    assert f'version = "{wx_recover.__version__}"' in cargo, "binding and crate versions differ"

    r = subprocess.run([sys.executable, "-m", "wx_recover", "version"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert json.loads(r.stdout) == {"binding": wx_recover.__version__, "library": lib.version(),
                                    "build": info}


def test_build_info_names_the_openssl_in_use_and_where_the_trust_roots_are():
    info = wx_recover.build_info()
    assert info["version"] == wx_recover.load_library().version()
    assert info["openssl"].startswith("OpenSSL "), info
    assert isinstance(info["openssl_vendored"], bool)
    # The portable library (make dist) carries OpenSSL; a source build links the system's:
    # whichever is under test, the flag must agree with what the file needs.
    lib = os.path.realpath(wx_recover.load_library().path)
    needed = subprocess.run(["readelf", "-d", lib], capture_output=True, text=True).stdout
    assert info["openssl_vendored"] == ("libssl" not in needed), (info, needed)
    assert set(info["trust_roots"]) == {"file", "dirs"}


def test_version_flag_without_a_library_exits_2_and_says_why(tmp_path):
    missing = tmp_path / "none.so"
    r = subprocess.run([sys.executable, "-m", "wx_recover", "--library", str(missing), "--version"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert r.returncode == int(Status.CONFIG)
    assert r.stdout == ""
    assert r.stderr.startswith(f"python -m wx_recover {wx_recover.__version__} (library not loaded: ")
    assert str(missing) in r.stderr


def test_usage_line_names_the_program_it_was_started_as(tmp_path):
    r = subprocess.run([sys.executable, "-m", "wx_recover", "query"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert r.returncode == int(Status.INVALID_ARGUMENT)
    assert r.stderr.startswith("usage: python -m wx_recover "), r.stderr
    # Started under another name (as the console script is), the usage line says that name.
    script = tmp_path / "wx-recover"
    script.write_text("import sys\nfrom wx_recover.__main__ import main\nsys.exit(main())\n")
    r = subprocess.run([sys.executable, str(script), "query"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert r.returncode == int(Status.INVALID_ARGUMENT)
    assert r.stderr.startswith("usage: wx-recover "), r.stderr
