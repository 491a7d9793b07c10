// Links libwx_recover.a into a C++ program that also uses the system OpenSSL itself
// (-lssl -lcrypto), and uses both in one process: the library's symbols must not clash with
// OpenSSL's, and OpenSSL must keep working for the application.
//
//   static_openssl [CONFIG.json]    with a config, also encrypts through the library
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "wx_recover.hpp"

int main(int argc, char** argv) {
    std::printf("wx-recover %s with %s\n", wx_version(), OpenSSL_version(OPENSSL_VERSION));

    // The application's own OpenSSL use: SHA-256 of "abc" and a TLS context.
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest("abc", 3, md, &len, EVP_sha256(), nullptr) != 1 || len != 32 || md[0] != 0xba ||
        md[31] != 0xad) {
        std::fprintf(stderr, "EVP_Digest gave a wrong answer\n");
        return 1;
    }
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) return 1;

    if (argc > 1) {  // the library's OpenSSL use, in the same process
        try {
            const wx::Client c = wx::Client::from_file(argv[1]);
            const std::string ct = c.encrypt("6214830000001234");
            std::printf("encrypted through the library: %zu base64 chars\n", ct.size());
        } catch (const wx::Error& e) {
            std::fprintf(stderr, "%s\n", e.what());
            SSL_CTX_free(ctx);
            return 1;
        }
    }
    SSL_CTX_free(ctx);
    return 0;
}
