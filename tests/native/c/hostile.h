/* Fixtures shared by tests/native/c/hostile.c and the generated build/hostile/hostile_gen.c. */
#ifndef WX_HOSTILE_H
#define WX_HOSTILE_H
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wx_recover.h"

extern int passed, failed;
extern const wx_recover *CLIENT;
extern const char *CONFIG_JSON, *CONFIG_PATH, *MCHID;
extern wx_recover_request REQ, REQ_HOSTILE;
extern wx_recover_request_v2 REQ2, REQ2_HOSTILE;
extern wx_punish_request PREQ, PREQ_HOSTILE;
extern wx_punish_accepted *PUNISH_ACCEPTED;
extern wx_punish_order *PUNISH_ORDER;
extern int64_t I64_SINK;
extern wx_accepted *ACCEPTED;
extern wx_order *ORDER;
extern wx_notification *NOTIFICATION;
extern wx_journal_list *JOURNAL_LIST;
extern wx_journal_entry *JOURNAL_ENTRY;
extern wx_reconcile_report *REPORT;
extern const char *const HEADER_NAMES[4];
extern const char *const HEADER_VALUES[4];
extern wx_error *ERROR;
extern const char *BAD_UTF8, *OVERLONG_UTF8, *HUGE, *EMBEDDED_NUL;
extern size_t HUGE_LEN, EMBEDDED_NUL_LEN;
extern char sentinel_byte;
#define SENTINEL ((void *)&sentinel_byte)

#define CHECK_MSG(cond, label)                                                       \
    do {                                                                             \
        if (cond) {                                                                  \
            passed++;                                                                \
        } else {                                                                     \
            failed++;                                                                \
            fprintf(stderr, "FAIL %s (%s:%d: %s)\n", label, __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

void covered(const char *name);
/* Runs after each function's cases (re-installs the checking log callback). */
void hostile_after(const char *name);
void hostile_log(void *user_data, wx_log_level level, const char *message);
extern long LOG_LINES;
void expect(const char *label, wx_status st, int want, wx_error *err, const char *needle, int err_passed);
void hostile_all(void);
extern const char *const HOSTILE_FUNCTIONS[];
#endif
