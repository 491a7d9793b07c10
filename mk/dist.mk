# The shipped artifacts, built to load on any x86_64 Linux with glibc >= 2.17 and no system
# OpenSSL (docs/platforms.md):
#
#   make portable   the library for x86_64-unknown-linux-gnu, glibc 2.17 floor, OpenSSL built in
#                   (cargo-zigbuild, zig from PyPI's ziglang, the vendored-openssl feature)
#                   -> target/x86_64-unknown-linux-gnu/release/libwx_recover.{so,a}
#   make dist       dist/: the Python wheel (manylinux2014), the jar (its JNI native linked from
#                   the same build) and the C/C++ archive, with SHA256SUMS
#
# A source build (make build, make install, pip install from the checkout) keeps linking the
# system's OpenSSL, so distributions and source builders get their OpenSSL's security fixes.

WX_DIST_TRIPLE := x86_64-unknown-linux-gnu
WX_GLIBC_FLOOR := 2.17
export WX_GLIBC_FLOOR
PORTABLE := $(ROOT)/target/$(WX_DIST_TRIPLE)/release
DIST := $(ROOT)/dist
WX_DIST_VERSION := $(shell sed -n 's/^version *= *"\([^"]*\)".*/\1/p' $(ROOT)/Cargo.toml | head -n 1)
WX_DIST_NAME := wx-recover-$(WX_DIST_VERSION)-x86_64-linux-gnu
WX_DIST_STAGE := $(ROOT)/build/dist-stage
WX_DIST_JAR := $(DIST)/wx-recover-$(WX_DIST_VERSION).jar
# The JNI glue is compiled by zig for the same glibc floor and linked with the portable
# libwx_recover.a (which carries OpenSSL): `make dist` and `make test-java` use it alike.
WX_JAVA_NATIVE_ENV := CC='$(ROOT)/scripts/zig-cc' WX_VENDORED=1
WX_JAVA_NATIVE_ARGS := -Dwx.lib.dir=$(PORTABLE) -Dwx.sandbox.bin=$(REL)/wx-sandbox -Dwx.vendored=true

.PHONY: portable dist dist-archive dist-wheel dist-jar

portable:
	cargo zigbuild --release --locked --lib --features vendored-openssl \
	  --target $(WX_DIST_TRIPLE).$(WX_GLIBC_FLOOR)

dist: portable dist-archive dist-wheel dist-jar
	cd $(DIST) && rm -f SHA256SUMS && sha256sum *.tar.gz *.whl *.jar > SHA256SUMS
	@echo "dist/:" && ls -l $(DIST)

# The C/C++ archive: make install's layout (relocatable .pc and CMake files) under one folder,
# with the licences (OpenSSL's too, since it is inside), the examples and its own SHA256SUMS.
dist-archive: portable
	rm -rf $(WX_DIST_STAGE) && mkdir -p $(WX_DIST_STAGE) $(DIST)
	$(MAKE) --no-print-directory -f $(ROOT)/mk/install.mk install PREFIX= \
	  DESTDIR=$(WX_DIST_STAGE)/$(WX_DIST_NAME) CARGO_TARGET=$(PORTABLE) WX_VENDORED=1 >/dev/null
	cd $(WX_DIST_STAGE)/$(WX_DIST_NAME) && mkdir -p share/licenses/wx-recover share/doc/wx-recover examples \
	  && cp $(ROOT)/LICENSE share/licenses/wx-recover/LICENSE \
	  && cp "$$(ls -d $$HOME/.cargo/registry/src/*/openssl-src-$$(sed -n '/^name = "openssl-src"/{n;s/^version = "\(.*\)"/\1/p}' $(ROOT)/Cargo.lock) | head -n 1)/openssl/LICENSE.txt" \
	       share/licenses/wx-recover/OpenSSL-LICENSE.txt \
	  && python3 $(ROOT)/scripts/third_party_licenses.py > share/licenses/wx-recover/THIRD-PARTY.txt \
	  && cp $(ROOT)/examples-c/recover.c examples/ \
	  && cp -r $(ROOT)/examples-c/pkgconfig examples/pkgconfig \
	  && cp -r $(ROOT)/examples-c/cpp examples/cpp \
	  && cp $(ROOT)/docs/platforms.md $(ROOT)/docs/c-api.md $(ROOT)/docs/cpp.md share/doc/wx-recover/ \
	  && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum > SHA256SUMS
	tar -C $(WX_DIST_STAGE) --owner=0 --group=0 --sort=name -czf $(DIST)/$(WX_DIST_NAME).tar.gz $(WX_DIST_NAME)

# The wheel: the portable library packaged by setup.py (WX_RECOVER_PREBUILT_LIB, no cargo run),
# then tagged by auditwheel, which checks the manylinux2014 claim against the library's symbols.
dist-wheel: portable
	rm -rf $(ROOT)/build/dist-wheel && mkdir -p $(ROOT)/build/dist-wheel $(DIST)
	rm -f $(DIST)/wx_recover-*.whl
	WX_RECOVER_PREBUILT_LIB=$(PORTABLE)/libwx_recover.so python3 -m pip wheel --quiet --no-deps \
	  --disable-pip-version-check -w $(ROOT)/build/dist-wheel $(ROOT)/bindings/python
	python3 -m auditwheel repair --plat manylinux2014_x86_64 -w $(DIST) $(ROOT)/build/dist-wheel/*.whl

# The jar, its native from the portable build.
dist-jar: portable build
	cd $(ROOT)/bindings/java && $(WX_JAVA_NATIVE_ENV) mvn -B -q --no-transfer-progress package \
	  -DskipTests $(WX_JAVA_NATIVE_ARGS)
	mkdir -p $(DIST) && cp $(ROOT)/bindings/java/target/wx-recover-$(WX_DIST_VERSION).jar $(WX_DIST_JAR)
