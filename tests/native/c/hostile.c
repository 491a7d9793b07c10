/*
 * Hostile input at the C boundary: the fixtures and checks behind the cases that
 * tests/native/c/gen_hostile.py generates from include/wx_recover.h (every exported function).
 *
 *   hostile CONFIG WEBANK_PUNISH_NO WXPAY_PUNISH_NO MCHID BAL_ACCOUNT_NO [NOTIFICATION_FILE]
 *
 * NOTIFICATION_FILE (from the sandbox's POST /sign-notification): five lines, the
 * Wechatpay-Timestamp, -Nonce, -Signature, -Serial values and the body.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

int passed, failed;
const wx_recover *CLIENT;
const char *CONFIG_JSON, *CONFIG_PATH, *MCHID;
wx_recover_request REQ, REQ_HOSTILE;
wx_recover_request_v2 REQ2, REQ2_HOSTILE;
wx_punish_request PREQ, PREQ_HOSTILE;
wx_punish_accepted *PUNISH_ACCEPTED;
wx_punish_order *PUNISH_ORDER;
int64_t I64_SINK;
wx_accepted *ACCEPTED;
wx_order *ORDER;
wx_notification *NOTIFICATION;
wx_journal_list *JOURNAL_LIST;
wx_journal_entry *JOURNAL_ENTRY;
wx_reconcile_report *REPORT;
const char *const HEADER_NAMES[4] = {"wechatpay-timestamp", "WECHATPAY-NONCE", "Wechatpay-Signature", "Wechatpay-Serial"};
const char *const HEADER_VALUES[4] = {"1700000000", "hostile-nonce", "c2lnbmF0dXJl", "PUB_KEY_ID_HOSTILE"};
wx_error *ERROR;
const char *BAD_UTF8 = "bad \xff\xfe utf-8 \xc3\x28";
const char *OVERLONG_UTF8 = "\xc0\xaf\xe0\x80\xaf";
const char *HUGE;
const char *EMBEDDED_NUL = "{\"a\":\0\"b\"}\0";
size_t HUGE_LEN, EMBEDDED_NUL_LEN = 12;
char sentinel_byte;

long LOG_LINES;
static const char *BAL;

/* Every log line the hostile calls cause: a string, never the plaintext bal_account_no. */
void hostile_log(void *user_data, wx_log_level level, const char *message) {
    long *lines = user_data;
    if (lines) (*lines)++;
    if (!message || (int)level < 1 || (int)level > 5 || (BAL && strstr(message, BAL))) {
        failed++;
        fprintf(stderr, "FAIL log callback: level %d, message %s\n", (int)level, message ? "leaks bal_account_no" : "NULL");
    }
}

void hostile_after(const char *name) {
    (void)name;
    wx_recover_set_logger(CLIENT, hostile_log, &LOG_LINES, 5, NULL);
}

static const char *seen[128];
static int nseen;

void covered(const char *name) {
    if (nseen < 128) seen[nseen++] = name;
}

static int in_message(const char *msg, const char *needle) {
    if (strncmp(needle, "ANY:", 4) != 0) return strstr(msg, needle) != NULL;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", needle + 4);
    for (char *save = NULL, *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save))
        if (strstr(msg, t)) return 1;
    return 0;
}

void expect(const char *label, wx_status st, int want, wx_error *err, const char *needle, int err_passed) {
    int ok = 1;
    if ((int)st < 0 || (int)st > 9) ok = 0;
    if (want >= 0 && (int)st != want) ok = 0;
    if (st == WX_OK && err != NULL) ok = 0;
    const char *msg = err ? wx_error_message(err) : NULL;
    if (st != WX_OK && err_passed) {
        if (!err || !msg || wx_error_status(err) != st) ok = 0;
        if (msg && needle && !in_message(msg, needle)) ok = 0;
    }
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL %s: status %d (%s), want %d, message naming %s: %s\n", label, (int)st,
                wx_status_str((int)st), want, needle ? needle : "-", msg ? msg : "(none)");
    }
    wx_error_free(err);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

/* A real notification from the sandbox's signer, so the accessors see a live handle. */
static wx_notification *load_notification(wx_recover *c, const char *path) {
    char *text = slurp(path);
    if (!text) return NULL;
    char *line[5] = {0};
    char *p = text;
    for (int i = 0; i < 5 && p; i++) {
        line[i] = p;
        p = strchr(p, '\n');
        if (p) *p++ = '\0';
    }
    wx_notification *n = NULL;
    wx_error *err = NULL;
    if (line[4] && wx_recover_parse_notification(c, line[0], line[1], line[2], line[3], (const uint8_t *)line[4],
                                                 strlen(line[4]), &n, &err) != WX_OK) {
        fprintf(stderr, "notification fixture: %s\n", wx_error_message(err));
        wx_error_free(err);
        failed++;
    }
    free(text);
    return n;
}

int main(int argc, char **argv) {
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: %s CONFIG WEBANK_PUNISH_NO WXPAY_PUNISH_NO MCHID BAL_ACCOUNT_NO [NOTIFICATION]\n", argv[0]);
        return 64;
    }
    HUGE_LEN = (size_t)1 << 20;
    char *huge = malloc(HUGE_LEN + 1);
    if (!huge) return 70;
    memset(huge, 'A', HUGE_LEN);
    huge[HUGE_LEN] = '\0';
    HUGE = huge;
    CONFIG_PATH = argv[1];
    char *json = slurp(argv[1]);
    CONFIG_JSON = json;
    MCHID = argv[4];
    BAL = argv[5];

    wx_recover *c = NULL;
    wx_error *err = NULL;
    if (wx_recover_new_from_file(CONFIG_PATH, &c, &err) != WX_OK) {
        fprintf(stderr, "cannot load %s: %s\n", CONFIG_PATH, wx_error_message(err));
        return 1;
    }
    CLIENT = c;
    hostile_after("wx_recover_new_from_file");
    if (wx_recover_new("{}", &c, &ERROR) != WX_CONFIG || !ERROR) failed++;
    c = (wx_recover *)CLIENT;

    /* One real recover and its query, so accessors also see live handles. */
    static char out_no[64];
    snprintf(out_no, sizeof out_no, "HOSTILE%ld", (long)time(NULL));
    wx_recover_request real = {out_no, argv[2], argv[3], argv[4], argv[5], "hostile-input fixture"};
    if (wx_recover_submit(CLIENT, &real, &ACCEPTED, &err) != WX_OK) {
        fprintf(stderr, "fixture submit: %s\n", wx_error_message(err));
        wx_error_free(err);
        err = NULL;
        failed++;
    } else if (wx_recover_query(CLIENT, out_no, argv[4], &ORDER, &err) != WX_OK) {
        fprintf(stderr, "fixture query: %s\n", wx_error_message(err));
        wx_error_free(err);
        err = NULL;
        failed++;
    }
    if (argc == 7) {
        NOTIFICATION = load_notification(c, argv[6]);
        if (!NOTIFICATION) failed++;
    }

    /* A client with a journal, for live journal handles: the same configuration plus a journal
     * file under TMPDIR. */
    static char jpath[512], jjson[65536];
    const char *tmp = getenv("TMPDIR");
    snprintf(jpath, sizeof jpath, "%s/hostile-journal-%ld.sqlite", tmp ? tmp : "/tmp", (long)getpid());
    const char *brace = strchr(json, '{');
    wx_recover *jc = NULL;
    if (!brace || (size_t)snprintf(jjson, sizeof jjson, "{\"journal\":\"%s\",%s", jpath, brace + 1) >= sizeof jjson ||
        wx_recover_new(jjson, &jc, &err) != WX_OK) {
        fprintf(stderr, "fixture journal client: %s\n", err ? wx_error_message(err) : "config too long");
        wx_error_free(err);
        err = NULL;
        failed++;
    } else {
        static char jno[64];
        snprintf(jno, sizeof jno, "HOSTILEJ%ld", (long)time(NULL));
        wx_recover_request jr = {jno, argv[2], argv[3], argv[4], argv[5], "hostile-input fixture"};
        wx_accepted *ja = NULL;
        /* The control order was recovered above, so this ends REFUSED: an entry all the same. */
        if (wx_recover_submit(jc, &jr, &ja, &err) != WX_OK) {
            wx_error_free(err);
            err = NULL;
        }
        if (wx_recover_pending(jc, &JOURNAL_LIST, &err) != WX_OK ||
            wx_recover_journal_entry(jc, jno, &JOURNAL_ENTRY, &err) != WX_OK || !JOURNAL_ENTRY ||
            wx_recover_reconcile(jc, NULL, &REPORT, &err) != WX_OK) {
            fprintf(stderr, "fixture journal: %s\n", err ? wx_error_message(err) : "no entry");
            wx_error_free(err);
            err = NULL;
            failed++;
        }
        wx_accepted_free(ja);
        wx_recover_free(jc);
    }

    /* A real punish and its query, for live punish handles. */
    static char pno[64];
    snprintf(pno, sizeof pno, "HOSTILEP%ld", (long)time(NULL));
    wx_punish_request preal = {pno, argv[4], argv[5], 3, "hostile-input fixture", NULL, "6222020000000000042",
                               NULL, NULL, NULL};
    if (wx_recover_punish(CLIENT, &preal, &PUNISH_ACCEPTED, &err) != WX_OK ||
        wx_recover_query_punish(CLIENT, pno, argv[4], &PUNISH_ORDER, &err) != WX_OK) {
        fprintf(stderr, "fixture punish: %s\n", wx_error_message(err));
        wx_error_free(err);
        err = NULL;
        failed++;
    }

    /* Requests that pass validation but name an order the sandbox does not have (the punish:
     * one number for every case, so re-entry, not a new control each time). */
    REQ = (wx_recover_request){"HOSTILE-NO-SUCH-ORDER", "WB-NO-SUCH", "WX-NO-SUCH", argv[4], argv[5], "hostile"};
    REQ2 = (wx_recover_request_v2){"HOSTILE-NO-SUCH-ORDER", "WB-NO-SUCH", "WX-NO-SUCH", argv[4], argv[5], "hostile",
                                   "6222020000000000042", "SGN-HOSTILE", WX_REQ_SCENE_SJT_MICRO_MERCHANT};
    PREQ = (wx_punish_request){"HOSTILE-PUNISH-1", argv[4], argv[5], 3, "hostile", "2027-01-01T00:00:00+08:00",
                               "6222020000000000042", "SGN-HOSTILE", WX_REQ_SCENE_SJT_MICRO_MERCHANT,
                               WX_FUND_REPATRIATION_ALL_FORBIDDEN};

    hostile_all();
    int missing = 0;
    for (int i = 0; HOSTILE_FUNCTIONS[i]; i++) {
        int found = 0;
        for (int j = 0; j < nseen; j++) found |= strcmp(seen[j], HOSTILE_FUNCTIONS[i]) == 0;
        if (!found) {
            fprintf(stderr, "FAIL %s: no hostile case ran\n", HOSTILE_FUNCTIONS[i]);
            missing++;
        }
    }
    failed += missing;

    wx_accepted_free(ACCEPTED);
    wx_order_free(ORDER);
    wx_punish_accepted_free(PUNISH_ACCEPTED);
    wx_punish_order_free(PUNISH_ORDER);
    wx_notification_free(NOTIFICATION);
    wx_journal_list_free(JOURNAL_LIST);
    wx_journal_entry_free(JOURNAL_ENTRY);
    wx_reconcile_report_free(REPORT);
    remove(jpath);
    wx_error_free(ERROR);
    wx_recover_free(c);
    free(json);
    free(huge);
    printf("hostile: %d functions, %ld log lines checked, %d passed, %d failed\n", nseen, LOG_LINES, passed, failed);
    return failed ? 1 : 0;
}
