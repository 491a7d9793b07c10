# Installs wx-recover for C and C++ users by copying what cargo built: it never installs system
# packages, runs scripts/deps.sh or regenerates a source file. When the libraries are missing it
# builds them first (`cargo build --release --lib`).
#
#   make install [PREFIX=/usr/local] [DESTDIR=]          (also: make -f mk/install.mk install)
#
# Layout under $(DESTDIR)$(PREFIX):
#   lib/libwx_recover.so.$(WX_VERSION)   stripped, SONAME libwx_recover.so.$(WX_SOMAJOR);
#                                        + libwx_recover.so.$(WX_SOMAJOR) -> it, libwx_recover.so -> that
#   lib/libwx_recover.a                  without debug sections (cargo's keeps line tables)
#   include/wx_recover.h, include/wx_recover.hpp
#   lib/pkgconfig/wx_recover.pc, wx_recover-static.pc   relocatable (${pcfiledir})
#   lib/cmake/wx_recover/wx_recoverConfig.cmake, wx_recoverConfigVersion.cmake   relocatable

# Including this file must not change the includer's default goal.
wx_saved_default_goal := $(.DEFAULT_GOAL)

# The repository root, whichever directory make runs from.
WX_ROOT := $(patsubst %/,%,$(dir $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))))

PREFIX ?= /usr/local
DESTDIR ?=
CARGO_TARGET ?= target/release
INSTALL ?= install
STRIP ?= strip
CARGO ?= cargo

WX_LIBDIR := $(PREFIX)/lib
WX_INCLUDEDIR := $(PREFIX)/include
WX_VERSION := $(shell sed -n 's/^version *= *"\([^"]*\)".*/\1/p' $(WX_ROOT)/Cargo.toml | head -n 1)
WX_SOMAJOR := $(word 1,$(subst ., ,$(WX_VERSION)))
WX_MINOR := $(word 2,$(subst ., ,$(WX_VERSION)))

# WX_STATIC_LIBS: the native libraries libwx_recover.a needs (one list, also the JNI glue's).
include $(WX_ROOT)/mk/static-libs.mk
wx_empty :=
wx_space := $(wx_empty) $(wx_empty)
# The same list as CMake wants it: ssl;crypto;...
WX_STATIC_LIBS_CMAKE := $(subst $(wx_space),;,$(patsubst -l%,%,$(WX_STATIC_LIBS)))

# Artifacts are looked up relative to the root unless CARGO_TARGET is absolute.
WX_ARTIFACTS := $(if $(filter /%,$(CARGO_TARGET)),$(CARGO_TARGET),$(WX_ROOT)/$(CARGO_TARGET))

.PHONY: install uninstall

# Only the default target folder is built on demand; another CARGO_TARGET must hold the libraries.
install:
	@if ! test -f '$(WX_ARTIFACTS)/libwx_recover.so' || ! test -f '$(WX_ARTIFACTS)/libwx_recover.a'; then \
	  if [ '$(WX_ARTIFACTS)' = '$(WX_ROOT)/target/release' ]; then \
	    echo "install: building the libraries: $(CARGO) build --release --locked --lib"; \
	    $(CARGO) build --release --locked --lib --manifest-path '$(WX_ROOT)/Cargo.toml' || exit 1; \
	  else \
	    echo "install: $(WX_ARTIFACTS)/libwx_recover.{so,a} missing: build them there first" >&2; exit 1; \
	  fi; \
	fi
	@test -n '$(WX_VERSION)' || { echo "install: no version in Cargo.toml" >&2; exit 1; }
	$(INSTALL) -d '$(DESTDIR)$(WX_LIBDIR)/pkgconfig' '$(DESTDIR)$(WX_LIBDIR)/cmake/wx_recover' \
	  '$(DESTDIR)$(WX_INCLUDEDIR)'
	$(STRIP) --strip-all -o '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.so.$(WX_VERSION)' \
	  '$(WX_ARTIFACTS)/libwx_recover.so'
	chmod 0755 '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.so.$(WX_VERSION)'
	ln -sf 'libwx_recover.so.$(WX_VERSION)' '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.so.$(WX_SOMAJOR)'
	ln -sf 'libwx_recover.so.$(WX_SOMAJOR)' '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.so'
	$(STRIP) --strip-debug -o '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.a' '$(WX_ARTIFACTS)/libwx_recover.a'
	chmod 0644 '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.a'
	$(INSTALL) -m 0644 '$(WX_ROOT)/include/wx_recover.h' '$(WX_ROOT)/include/wx_recover.hpp' \
	  '$(DESTDIR)$(WX_INCLUDEDIR)/'
	for pc in wx_recover wx_recover-static; do \
	  sed -e 's|@VERSION@|$(WX_VERSION)|g' -e 's|@STATIC_LIBS@|$(WX_STATIC_LIBS)|g' \
	    "$(WX_ROOT)/cmake/$$pc.pc.in" > "$(DESTDIR)$(WX_LIBDIR)/pkgconfig/$$pc.pc" || exit 1; \
	done
	sed -e 's|@VERSION@|$(WX_VERSION)|g' -e 's|@SOMAJOR@|$(WX_SOMAJOR)|g' \
	  -e 's|@STATIC_LIBS_CMAKE@|$(WX_STATIC_LIBS_CMAKE)|g' \
	  '$(WX_ROOT)/cmake/wx_recoverConfig.cmake.in' \
	  > '$(DESTDIR)$(WX_LIBDIR)/cmake/wx_recover/wx_recoverConfig.cmake'
	sed -e 's|@VERSION@|$(WX_VERSION)|g' -e 's|@SOMAJOR@|$(WX_SOMAJOR)|g' \
	  -e 's|@MINOR@|$(WX_MINOR)|g' \
	  '$(WX_ROOT)/cmake/wx_recoverConfigVersion.cmake.in' \
	  > '$(DESTDIR)$(WX_LIBDIR)/cmake/wx_recover/wx_recoverConfigVersion.cmake'
	chmod 0644 '$(DESTDIR)$(WX_LIBDIR)/pkgconfig/'*.pc \
	  '$(DESTDIR)$(WX_LIBDIR)/cmake/wx_recover/'*.cmake

uninstall:
	rm -f '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.so.$(WX_VERSION)' \
	  '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.so.$(WX_SOMAJOR)' \
	  '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.so' '$(DESTDIR)$(WX_LIBDIR)/libwx_recover.a' \
	  '$(DESTDIR)$(WX_INCLUDEDIR)/wx_recover.h' '$(DESTDIR)$(WX_INCLUDEDIR)/wx_recover.hpp' \
	  '$(DESTDIR)$(WX_LIBDIR)/pkgconfig/wx_recover.pc' \
	  '$(DESTDIR)$(WX_LIBDIR)/pkgconfig/wx_recover-static.pc' \
	  '$(DESTDIR)$(WX_LIBDIR)/cmake/wx_recover/wx_recoverConfig.cmake' \
	  '$(DESTDIR)$(WX_LIBDIR)/cmake/wx_recover/wx_recoverConfigVersion.cmake'
	-rmdir '$(DESTDIR)$(WX_LIBDIR)/cmake/wx_recover' 2>/dev/null

.DEFAULT_GOAL := $(wx_saved_default_goal)
