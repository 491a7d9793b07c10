# The native libraries libwx_recover.a needs, in link order, from
#   cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs
# One list for every static link: mk/install.mk (the .pc's Libs.private and the CMake package)
# and the JNI glue (bindings/java/src/main/native/Makefile). Keep it equal to docs/cpp.md's
# "Static link line"; tests/native/install/symbols.sh fails when they differ.
# WX_VENDORED=1 (make dist): OpenSSL is built into libwx_recover.a itself, so no -lssl -lcrypto.
ifeq ($(WX_VENDORED),1)
WX_STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
else
WX_STATIC_LIBS := -lssl -lcrypto -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
endif
