/*
 * k_log.h - talking to people on stderr: errors always, the human summary
 * unless -q, details with -v. Every message starts with the program name,
 * so the failing stage of a five-stage pipeline names itself.
 */
#ifndef K_LOG_H
#define K_LOG_H

#include "base/k_status.h"

/* Verbosity: -1 quiet, 0 normal, 1.. verbose. */
extern int k_log_level;
extern const char *k_progname;

void k_log_init(const char *progname);

/* "prog: message", always printed. */
void k_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed unless -q: summaries and notices meant for people. Not printed
 * once standard output has closed (k_out_closed: kscore | head), since a
 * summary of output nobody read would mislead. */
void k_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed with -v only. */
void k_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print and exit with the sysexits code of st. */
void k_die(enum k_status st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* Print a filled k_error as "prog: text" and exit with its code. */
void k_die_error(const struct k_error *err) __attribute__((noreturn));

#endif
