"""Builds wx_recover with the C library inside: ``pip install ./bindings/python`` runs cargo.

The package is pure Python over ctypes; its one native file is ``libwx_recover.so``, the Rust
library's cdylib, installed as ``wx_recover/_lib/libwx_recover.so``. ctypes loads it by path,
so it is no CPython extension module: the wheel is tagged ``py3-none-<platform>`` (any Python 3
on that platform, and only there), and the file keeps the library's own name.

``CARGO_TARGET_DIR`` picks cargo's build folder (by default the workspace's ``target/``).
``WX_RECOVER_PREBUILT_LIB=/path/to/libwx_recover.so`` packages a library that is already
built instead of running cargo: ``make dist`` passes its portable build (glibc 2.17, OpenSSL
inside) that way, and ``auditwheel repair`` then tags the wheel manylinux2014.
"""

import os
import subprocess

from setuptools import setup
from setuptools_rust import Binding, RustExtension
from setuptools_rust.build import build_rust as _build_rust

try:  # setuptools >= 70.1 carries bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # older setuptools: the `wheel` package's
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel

LIB_NAME = "libwx_recover.so"


class build_rust(_build_rust):
    """Installs the cdylib under its own name, stripped (the SONAME and exports stay)."""

    def build_extension(self, ext):
        prebuilt = os.environ.get("WX_RECOVER_PREBUILT_LIB")
        if not prebuilt:
            return super().build_extension(ext)
        if not os.path.isfile(prebuilt):
            raise SystemExit(f"WX_RECOVER_PREBUILT_LIB={prebuilt}: no such file")
        # (module name, path): what install_extension unpacks from cargo's own results.
        return [(ext.name, prebuilt)], None

    def get_dylib_ext_path(self, ext, target_fname):
        default = super().get_dylib_ext_path(ext, target_fname)
        return os.path.join(os.path.dirname(default), LIB_NAME)

    def install_extension(self, ext, dylib_paths, build_artifact_dir):
        super().install_extension(ext, dylib_paths, build_artifact_dir)
        path = self.get_dylib_ext_path(ext, ext.name)
        # The release profile keeps line tables for the C/C++ users' debuggers; a wheel does
        # not need them (21 MB unstripped against a few MB).
        subprocess.run([os.environ.get("STRIP", "strip"), "--strip-all", path], check=True)


class bdist_wheel(_bdist_wheel):
    """Tags the wheel for its platform only: the library works with any Python 3 there."""

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


setup(
    rust_extensions=[
        RustExtension(
            "wx_recover._lib.libwx_recover",
            path=os.path.join("..", "..", "Cargo.toml"),
            binding=Binding.NoBinding,
            # Cargo.lock pins every dependency; a wheel is built from exactly those.
            args=["--locked"],
            py_limited_api=False,
        )
    ],
    cmdclass={"build_rust": build_rust, "bdist_wheel": bdist_wheel},
)
