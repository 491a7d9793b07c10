/*
 * Transport floor: everything one recover submit (or query) must do, done with OpenSSL
 * (libssl + libcrypto) and the kernel only, over ONE TLS connection that is opened once and
 * kept alive. No retries, no pool, no validation, no threads: the limit for a client process.
 *
 *   transport_floor url=https://127.0.0.1:PORT ca=CA.pem mchid=M serial=MERCHANT_SERIAL
 *                   key=MERCHANT_KEY.pem pubkey=WECHATPAY_PUBKEY.pem pubkey_id=PUB_KEY_ID_...
 *                   order=OUT,WEBANK,WXPAY,MCHID,BAL [warmup=N] [n=N] [admin=http://127.0.0.1:P]
 *                   [impl=transport-floor]
 *
 * Per submit, following WeChat Pay APIv3's signature and encryption rules (the recover page
 * "解管", POST /v3/aggracct-bc/wb-channel/control-orders/recover):
 *   - encrypt bal_account_no: RSA-OAEP (SHA-1, MGF1-SHA-1) with the WeChat Pay public key,
 *     then base64;
 *   - build the JSON body;
 *   - sign METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n with SHA256withRSA (merchant key), base64,
 *     into `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,signature=..,
 *     timestamp=..,serial_no=..`; the nonce is 32 characters of [0-9A-Za-z] from RAND_bytes;
 *   - send `Wechatpay-Serial` (the public key id) and write the request with one SSL_write;
 *   - read the answer and frame it (Content-Length or chunked);
 *   - verify it: Wechatpay-Serial is the public key id, the timestamp is within 300 s, and
 *     Wechatpay-Signature (base64) is a SHA256withRSA signature of TIMESTAMP\nNONCE\nBODY\n
 *     by the WeChat Pay public key.
 * A query is the signed GET /v3/aggracct-bc/wb-channel/control-orders/{out_request_no}
 * ?control_type=RECOVER&mchid={mchid} (the same path src/api.rs sends), with Wechatpay-Serial
 * and the same verification of its answer.
 *
 * Protocol (the same as bench/driver.c): the order's first submit (a new recover under a fresh
 * out_request_no) and `warmup` submits and queries, then {"ready":true}; then one repetition
 * per line "submit" or "query" on stdin (10 untimed calls, then `n` timed ones), until "quit".
 * Each repetition prints one JSON line: CPU per request (getrusage RUSAGE_SELF, user + sys,
 * around the timed loop only) and its user / sys split, voluntary and involuntary context
 * switches per request, wall per request, p50/p99, requests per second, the sandbox's new
 * TLS connections and requests during the loop (admin GET /stats, outside the timed window).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define RECOVER_PATH "/v3/aggracct-bc/wb-channel/control-orders/recover"
#define QUERY_PREFIX "/v3/aggracct-bc/wb-channel/control-orders/"
#define SCHEME "WECHATPAY2-SHA256-RSA2048"
#define REPLAY_WINDOW_S 300

static void die(const char *what) {
    fprintf(stderr, "transport_floor: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + tv.tv_usec / 1e6; }

/* ------------------------------------------------------------------ configuration ---- */

static const char *impl = "transport-floor", *admin = NULL, *host = NULL;
static char out_no[80], webank[80], wxpay[80], target_mchid[40], bal[80];
static const char *mchid, *merchant_serial, *pubkey_id;
static EVP_PKEY *merchant_key, *wx_pub;
static int port;
static SSL_CTX *ssl_ctx;
static SSL *ssl;

static EVP_PKEY *load_key(const char *path, int private_key) {
    FILE *f = fopen(path, "r");
    if (!f) die(path);
    EVP_PKEY *k = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!k) die(path);
    return k;
}

/* ------------------------------------------------------------------ crypto ------------ */

static size_t b64(const unsigned char *in, size_t len, char *out) {
    return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/* Base64 decode with the padding taken off; -1 when it is not base64. */
static int unb64(const char *in, size_t len, unsigned char *out, size_t cap) {
    if (len == 0 || len % 4 != 0 || len / 4 * 3 > cap) return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (n < 0) return -1;
    if (in[len - 1] == '=') n--;
    if (in[len - 2] == '=') n--;
    return n;
}

static size_t sign_b64(const unsigned char *msg, size_t len, char *out) {
    unsigned char sig[512];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, merchant_key) != 1 ||
        EVP_DigestSign(ctx, sig, &sig_len, msg, len) != 1)
        die("sign");
    EVP_MD_CTX_free(ctx);
    return b64(sig, sig_len, out);
}

static int verify(const unsigned char *msg, size_t len, const unsigned char *sig, size_t sig_len) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, wx_pub) != 1) die("verify init");
    int ok = EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

static size_t encrypt_b64(const char *pt, char *out) {
    unsigned char ct[512];
    size_t ct_len = sizeof ct;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(wx_pub, NULL);
    if (!ctx || EVP_PKEY_encrypt_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) != 1 ||
        EVP_PKEY_encrypt(ctx, ct, &ct_len, (const unsigned char *)pt, strlen(pt)) != 1)
        die("encrypt");
    EVP_PKEY_CTX_free(ctx);
    return b64(ct, ct_len, out);
}

static void nonce32(char *out) {
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char r[32];
    for (int i = 0; i < 32;) {
        if (RAND_bytes(r, sizeof r) != 1) die("RAND_bytes");
        for (size_t j = 0; j < sizeof r && i < 32; j++)
            if (r[j] < 248) out[i++] = alphabet[r[j] % 62]; /* 248 = 4 * 62: no modulo bias */
    }
    out[32] = 0;
}

/* ------------------------------------------------------------------ text -------------- */

/* A JSON string literal (quotes included); returns its length. */
static size_t json_str(char *out, const char *s) {
    char *p = out;
    *p++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c < 0x20) {
            p += sprintf(p, "\\u%04x", c);
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = '"';
    return (size_t)(p - out);
}

/* RFC 3986 unreserved characters kept, everything else %XX (as src/api.rs encodes). */
static size_t pct_encode(char *out, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    char *p = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = 0;
    return (size_t)(p - out);
}

/* ------------------------------------------------------------------ TLS --------------- */

static void tls_connect(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) die("url host must be an IPv4 address");
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ssl = SSL_new(ssl_ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) die("SSL_new");
    /* The sandbox's certificate names 127.0.0.1 as an IP address SAN. */
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1) die("expected peer address");
    if (SSL_connect(ssl) != 1) die("TLS handshake (certificate verification on)");
}

/* Buffered reads on the one connection. */
static char rbuf[1 << 16];
static size_t rlen, rpos;

static void fill(void) {
    if (rpos == rlen) rpos = rlen = 0;
    if (rlen == sizeof rbuf) {
        memmove(rbuf, rbuf + rpos, rlen - rpos);
        rlen -= rpos;
        rpos = 0;
    }
    int n = SSL_read(ssl, rbuf + rlen, (int)(sizeof rbuf - rlen));
    if (n <= 0) die("connection closed while reading an answer");
    rlen += (size_t)n;
}

/* The next line (without CRLF), NUL-terminated in place. */
static char *read_line(void) {
    for (;;) {
        char *nl = memchr(rbuf + rpos, '\n', rlen - rpos);
        if (nl) {
            char *line = rbuf + rpos;
            rpos = (size_t)(nl - rbuf) + 1;
            if (nl > line && nl[-1] == '\r') nl[-1] = 0;
            *nl = 0;
            return line;
        }
        if (rpos > 0) { /* keep the partial line at the start */
            memmove(rbuf, rbuf + rpos, rlen - rpos);
            rlen -= rpos;
            rpos = 0;
        }
        fill();
    }
}

static void read_exact(char *dst, size_t n) {
    while (n > 0) {
        if (rpos == rlen) fill();
        size_t k = rlen - rpos < n ? rlen - rpos : n;
        memcpy(dst, rbuf + rpos, k);
        rpos += k;
        dst += k;
        n -= k;
    }
}

typedef struct {
    int status;
    char timestamp[32], nonce[80], signature[1024], serial[80];
    char body[65536];
    size_t body_len;
} answer_t;

static void copy_value(char *dst, size_t cap, const char *v) {
    size_t n = strlen(v);
    if (n >= cap) die("answer header too long");
    memcpy(dst, v, n + 1);
}

static void read_answer(answer_t *a) {
    char *status = read_line();
    if (sscanf(status, "HTTP/1.1 %d", &a->status) != 1) die("not an HTTP/1.1 status line");
    long content_length = -1;
    int chunked = 0;
    a->timestamp[0] = a->nonce[0] = a->signature[0] = a->serial[0] = 0;
    for (;;) {
        char *h = read_line();
        if (!*h) break;
        char *colon = strchr(h, ':');
        if (!colon) die("malformed header line");
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') v++;
        if (!strcasecmp(h, "content-length")) content_length = atol(v);
        else if (!strcasecmp(h, "transfer-encoding")) chunked = strcasecmp(v, "chunked") == 0;
        else if (!strcasecmp(h, "wechatpay-timestamp")) copy_value(a->timestamp, sizeof a->timestamp, v);
        else if (!strcasecmp(h, "wechatpay-nonce")) copy_value(a->nonce, sizeof a->nonce, v);
        else if (!strcasecmp(h, "wechatpay-signature")) copy_value(a->signature, sizeof a->signature, v);
        else if (!strcasecmp(h, "wechatpay-serial")) copy_value(a->serial, sizeof a->serial, v);
    }
    a->body_len = 0;
    if (chunked) {
        for (;;) {
            long size = strtol(read_line(), NULL, 16);
            if (size < 0 || a->body_len + (size_t)size > sizeof a->body) die("bad chunk size");
            if (size == 0) {
                while (*read_line()) {} /* trailers, then the empty line */
                break;
            }
            read_exact(a->body + a->body_len, (size_t)size);
            a->body_len += (size_t)size;
            if (*read_line()) die("chunk not followed by CRLF");
        }
    } else {
        if (content_length < 0 || (size_t)content_length > sizeof a->body) die("answer has no usable Content-Length");
        read_exact(a->body, (size_t)content_length);
        a->body_len = (size_t)content_length;
    }
}

static void verify_answer(const answer_t *a) {
    if (a->status < 200 || a->status > 299) {
        fprintf(stderr, "transport_floor: HTTP %d: %.*s\n", a->status, (int)a->body_len, a->body);
        exit(1);
    }
    if (strcmp(a->serial, pubkey_id) != 0) die("answer signed with an unknown Wechatpay-Serial");
    long ts = atol(a->timestamp);
    if (labs((long)time(NULL) - ts) >= REPLAY_WINDOW_S) die("answer outside the replay window");
    unsigned char sig[512];
    int sig_len = unb64(a->signature, strlen(a->signature), sig, sizeof sig);
    if (sig_len <= 0) die("Wechatpay-Signature is not base64");
    static unsigned char msg[65536 + 256];
    size_t tl = strlen(a->timestamp), nl = strlen(a->nonce);
    if (tl + nl + a->body_len + 3 > sizeof msg) die("answer too large");
    size_t m = 0;
    memcpy(msg + m, a->timestamp, tl);
    m += tl;
    msg[m++] = '\n';
    memcpy(msg + m, a->nonce, nl);
    m += nl;
    msg[m++] = '\n';
    memcpy(msg + m, a->body, a->body_len);
    m += a->body_len;
    msg[m++] = '\n';
    if (!verify(msg, m, sig, (size_t)sig_len)) die("answer signature does not verify");
}

/* ------------------------------------------------------------------ one call ---------- */

/* Signs and sends one request (body may be NULL), reads and verifies its answer. */
static void call(const char *method, const char *path_query, const char *body, size_t body_len) {
    char nonce[33], ts[24], sig[400];
    nonce32(nonce);
    int tl = snprintf(ts, sizeof ts, "%ld", (long)time(NULL));
    static char msg[8192];
    size_t ml = strlen(method), pl = strlen(path_query);
    if (ml + pl + (size_t)tl + 32 + body_len + 5 > sizeof msg) die("request too large");
    size_t m = 0;
    memcpy(msg + m, method, ml);
    m += ml;
    msg[m++] = '\n';
    memcpy(msg + m, path_query, pl);
    m += pl;
    msg[m++] = '\n';
    memcpy(msg + m, ts, (size_t)tl);
    m += (size_t)tl;
    msg[m++] = '\n';
    memcpy(msg + m, nonce, 32);
    m += 32;
    msg[m++] = '\n';
    if (body_len) memcpy(msg + m, body, body_len);
    m += body_len;
    msg[m++] = '\n';
    sign_b64((const unsigned char *)msg, m, sig);

    static char req[16384];
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: application/json\r\n"
                     "User-Agent: wx-recover-transport-floor/1\r\n"
                     "Authorization: " SCHEME " mchid=\"%s\",nonce_str=\"%s\",signature=\"%s\","
                     "timestamp=\"%s\",serial_no=\"%s\"\r\nWechatpay-Serial: %s\r\n",
                     method, path_query, host, port, mchid, nonce, sig, ts, merchant_serial, pubkey_id);
    if (body)
        n += snprintf(req + n, sizeof req - (size_t)n, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                      body_len);
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    if ((size_t)n + body_len >= sizeof req) die("request too large");
    if (body_len) memcpy(req + n, body, body_len);
    int total = n + (int)body_len;
    if (SSL_write(ssl, req, total) != total) die("SSL_write");

    static answer_t a;
    read_answer(&a);
    verify_answer(&a);
}

static void submit_once(void) {
    char enc[400];
    encrypt_b64(bal, enc);
    static char body[2048];
    char *p = body;
    p += sprintf(p, "{\"out_request_no\":");
    p += json_str(p, out_no);
    p += sprintf(p, ",\"related_webank_punish_no\":");
    p += json_str(p, webank);
    p += sprintf(p, ",\"related_wxpay_punish_no\":");
    p += json_str(p, wxpay);
    p += sprintf(p, ",\"mchid\":");
    p += json_str(p, target_mchid);
    p += sprintf(p, ",\"bal_account_no\":");
    p += json_str(p, enc);
    p += sprintf(p, ",\"recover_reason\":");
    p += json_str(p, "bench");
    *p++ = '}';
    call("POST", RECOVER_PATH, body, (size_t)(p - body));
}

static void query_once(void) {
    static char pq[512];
    char *p = pq;
    p += sprintf(p, QUERY_PREFIX);
    p += pct_encode(p, out_no);
    p += sprintf(p, "?control_type=RECOVER&mchid=");
    p += pct_encode(p, target_mchid);
    call("GET", pq, NULL, 0);
}

/* ------------------------------------------------------------------ the sandbox's admin counters */

typedef struct {
    long conns, requests;
} stats_t;

static long field_after(const char *b, const char *section, const char *key) {
    const char *s = strstr(b, section);
    if (!s) return -1;
    const char *k = strstr(s, key);
    return k ? atol(k + strlen(key)) : -1;
}

static stats_t admin_stats(void) {
    stats_t st = {0, 0};
    int aport = 0;
    if (!admin) return st;
    if (sscanf(admin, "http://127.0.0.1:%d", &aport) != 1) die("admin URL must be http://127.0.0.1:PORT");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)aport);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("admin connect");
    const char req[] = "GET /stats HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) die("admin write");
    static char buf[65536];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)r;
    buf[len] = 0;
    close(fd);
    long pc = field_after(buf, "\"primary\"", "\"connections\":"), pr = field_after(buf, "\"primary\"", "\"requests\":");
    long bc = field_after(buf, "\"backup\"", "\"connections\":"), br = field_after(buf, "\"backup\"", "\"requests\":");
    if (pc < 0 || pr < 0 || bc < 0 || br < 0) die("unexpected /stats answer");
    st.conns = pc + bc;
    st.requests = pr + br;
    return st;
}

/* ------------------------------------------------------------------ main -------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *sorted, long n, double p) {
    long i = (long)(p * (double)(n - 1) + 0.5);
    return sorted[i < 0 ? 0 : (i >= n ? n - 1 : i)];
}

static void run_rep(const char *op, long n, double *lat) {
    void (*f)(void) = strcmp(op, "query") == 0 ? query_once : submit_once;
    for (int i = 0; i < 10; i++) f(); /* re-warm after idling between repetitions */
    stats_t s0 = admin_stats();
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    double w0 = now_s();
    for (long i = 0; i < n; i++) {
        double t0 = now_s();
        f();
        lat[i] = (now_s() - t0) * 1e6;
    }
    double w1 = now_s();
    getrusage(RUSAGE_SELF, &r1);
    stats_t s1 = admin_stats();
    qsort(lat, (size_t)n, sizeof(double), cmp_double);
    double user = tv_s(r1.ru_utime) - tv_s(r0.ru_utime), sys = tv_s(r1.ru_stime) - tv_s(r0.ru_stime);
    printf("{\"impl\":\"%s\",\"op\":\"%s\",\"threads\":1,\"n\":%ld,\"cpu_us\":%.3f,\"user_us\":%.3f,"
           "\"sys_us\":%.3f,\"vcsw\":%.3f,\"ivcsw\":%.3f,\"wall_us\":%.3f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
           "\"rps\":%.2f,\"new_conns\":%ld,\"requests\":%ld}\n",
           impl, op, n, (user + sys) / n * 1e6, user / n * 1e6, sys / n * 1e6,
           (double)(r1.ru_nvcsw - r0.ru_nvcsw) / n, (double)(r1.ru_nivcsw - r0.ru_nivcsw) / n, (w1 - w0) / n * 1e6,
           pct(lat, n, 0.50), pct(lat, n, 0.99), n / (w1 - w0), s1.conns - s0.conns, s1.requests - s0.requests);
    fflush(stdout);
}

int main(int argc, char **argv) {
    const char *url = NULL, *ca = NULL, *key = NULL, *pubkey = NULL, *order = NULL;
    long warmup = 50, n = 200;
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) die("arguments are key=value");
        *eq = 0;
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "url")) url = v;
        else if (!strcmp(k, "ca")) ca = v;
        else if (!strcmp(k, "mchid")) mchid = v;
        else if (!strcmp(k, "serial")) merchant_serial = v;
        else if (!strcmp(k, "key")) key = v;
        else if (!strcmp(k, "pubkey")) pubkey = v;
        else if (!strcmp(k, "pubkey_id")) pubkey_id = v;
        else if (!strcmp(k, "order")) order = v;
        else if (!strcmp(k, "warmup")) warmup = atol(v);
        else if (!strcmp(k, "n")) n = atol(v);
        else if (!strcmp(k, "admin")) admin = v;
        else if (!strcmp(k, "impl")) impl = v;
        else die("unknown argument");
    }
    if (!url || !ca || !mchid || !merchant_serial || !key || !pubkey || !pubkey_id || !order || n <= 0)
        die("need url= ca= mchid= serial= key= pubkey= pubkey_id= order= and n>0");
    if (sscanf(order, "%79[^,],%79[^,],%79[^,],%39[^,],%79s", out_no, webank, wxpay, target_mchid, bal) != 5)
        die("order= needs OUT,WEBANK,WXPAY,MCHID,BAL");
    static char host_buf[64];
    if (sscanf(url, "https://%63[^:]:%d", host_buf, &port) != 2) die("url must be https://HOST:PORT");
    host = host_buf;
    merchant_key = load_key(key, 1);
    wx_pub = load_key(pubkey, 0);

    ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (!ssl_ctx || SSL_CTX_load_verify_locations(ssl_ctx, ca, NULL) != 1) die("CA certificate");
    SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
    tls_connect();

    submit_once(); /* the first submit: a new recover under a fresh out_request_no */
    for (long i = 0; i < warmup; i++) submit_once();
    for (long i = 0; i < warmup; i++) query_once();
    printf("{\"ready\":true}\n");
    fflush(stdout);

    double *lat = malloc(sizeof(double) * (size_t)n);
    if (!lat) die("malloc");
    char line[128];
    while (fgets(line, sizeof line, stdin)) {
        char what[32] = "";
        if (sscanf(line, "%31s", what) < 1) continue;
        if (!strcmp(what, "quit")) break;
        if (strcmp(what, "submit") && strcmp(what, "query")) die("unknown command");
        run_rep(what, n, lat);
    }
    free(lat);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ssl_ctx);
    EVP_PKEY_free(merchant_key);
    EVP_PKEY_free(wx_pub);
    return 0;
}
