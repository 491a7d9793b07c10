/*
 * Crypto floor: the cryptography one recover submit cannot avoid, done with OpenSSL
 * (libcrypto) directly and nothing else: no HTTP, no JSON, no base64.
 *
 *   floor MERCHANT_KEY.pem WECHATPAY_PUBKEY.pem WECHATPAY_KEY.pem N
 *
 * One "submit" unit = one SHA256withRSA (PKCS#1 v1.5) signature with the merchant key over a
 * message the size of a recover's signing string + one RSA-OAEP (SHA-1/MGF1-SHA-1) encryption
 * of a 19-digit ledger id with the WeChat Pay public key + one SHA256withRSA verification with
 * that public key of an answer-sized message. A "query" unit is the same without encryption.
 * The WeChat Pay private key is used only once, before timing, to make the signature that the
 * loop verifies.
 *
 * After a warm-up it prints {"ready":true}, then runs one repetition (N of each operation) per
 * line "submit" read on stdin, until "quit" or end of input (the orchestrator interleaves it
 * with the drivers' repetitions). Each repetition prints one JSON line with the process's CPU
 * time (getrusage RUSAGE_SELF, user + sys) per unit, in microseconds, for "submit" (sign +
 * encrypt + verify) and the per-operation split; "query_cpu_us" is sign + verify.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

static void die(const char *what) {
    fprintf(stderr, "floor: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static EVP_PKEY *load_key(const char *path, int private_key) {
    FILE *f = fopen(path, "r");
    if (!f) die(path);
    EVP_PKEY *k = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!k) die(path);
    return k;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static double wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t sign(EVP_PKEY *key, const unsigned char *msg, size_t len, unsigned char *sig) {
    size_t sig_len = 512;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, sig, &sig_len, msg, len) != 1)
        die("sign");
    EVP_MD_CTX_free(ctx);
    return sig_len;
}

static void verify(EVP_PKEY *key, const unsigned char *msg, size_t len, const unsigned char *sig, size_t sig_len) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestVerify(ctx, sig, sig_len, msg, len) != 1)
        die("verify");
    EVP_MD_CTX_free(ctx);
}

static void encrypt_oaep(EVP_PKEY *key, const unsigned char *pt, size_t len) {
    unsigned char out[512];
    size_t out_len = sizeof out;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    if (!ctx || EVP_PKEY_encrypt_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) != 1 ||
        EVP_PKEY_encrypt(ctx, out, &out_len, pt, len) != 1)
        die("encrypt");
    EVP_PKEY_CTX_free(ctx);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s MERCHANT_KEY.pem WECHATPAY_PUBKEY.pem WECHATPAY_KEY.pem N\n", argv[0]);
        return 64;
    }
    EVP_PKEY *merchant = load_key(argv[1], 1);
    EVP_PKEY *wx_pub = load_key(argv[2], 0);
    EVP_PKEY *wx_priv = load_key(argv[3], 1);
    long n = atol(argv[4]);
    if (n <= 0) die("N must be positive");

    /* Sizes of the real strings: the request's signing string (method, path, timestamp, nonce,
     * a JSON body with a 344-character base64 ciphertext) and the answer's (timestamp, nonce,
     * a small JSON body). Their content does not change the cost measurably. */
    unsigned char req_msg[720], resp_msg[160];
    memset(req_msg, 'r', sizeof req_msg);
    memset(resp_msg, 'a', sizeof resp_msg);
    const unsigned char ledger[] = "6230000000000000001";
    unsigned char sig[512], resp_sig[512];
    size_t resp_sig_len = sign(wx_priv, resp_msg, sizeof resp_msg, resp_sig);

    /* Warm-up: page in code and tables. */
    for (int i = 0; i < 20; i++) {
        sign(merchant, req_msg, sizeof req_msg, sig);
        encrypt_oaep(wx_pub, ledger, sizeof ledger - 1);
        verify(wx_pub, resp_msg, sizeof resp_msg, resp_sig, resp_sig_len);
    }

    /* Each operation is timed in its own loop (so no clock call sits inside a timed step);
     * the floor is the sum of the three per-operation costs. */
    printf("{\"ready\":true}\n");
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin) && strncmp(line, "quit", 4) != 0) {
        if (strncmp(line, "submit", 6) != 0) die("unknown command");
        double w0 = wall_s();
        double c0 = cpu_s();
        for (long i = 0; i < n; i++) sign(merchant, req_msg, sizeof req_msg, sig);
        double c1 = cpu_s();
        for (long i = 0; i < n; i++) encrypt_oaep(wx_pub, ledger, sizeof ledger - 1);
        double c2 = cpu_s();
        for (long i = 0; i < n; i++) verify(wx_pub, resp_msg, sizeof resp_msg, resp_sig, resp_sig_len);
        double c3 = cpu_s();
        double w1 = wall_s();
        double t_sign = (c1 - c0) / n * 1e6, t_enc = (c2 - c1) / n * 1e6, t_ver = (c3 - c2) / n * 1e6;
        printf("{\"impl\":\"floor\",\"op\":\"submit\",\"n\":%ld,\"cpu_us\":%.3f,\"wall_us\":%.3f,"
               "\"sign_us\":%.3f,\"encrypt_us\":%.3f,\"verify_us\":%.3f,\"query_cpu_us\":%.3f}\n",
               n, t_sign + t_enc + t_ver, (w1 - w0) / n * 1e6, t_sign, t_enc, t_ver, t_sign + t_ver);
        fflush(stdout);
    }
    EVP_PKEY_free(merchant);
    EVP_PKEY_free(wx_pub);
    EVP_PKEY_free(wx_priv);
    return 0;
}
