/*
 * k_status.h - status codes shared by every module, and the error record
 * that library code fills instead of printing. Only cmd/ turns a status
 * into an exit code, through k_status_exit(), so the table lives here once.
 */
#ifndef K_STATUS_H
#define K_STATUS_H

#include <stddef.h>

enum k_status {
	K_OK = 0,
	K_EUSAGE,     /* bad command line (exit 64) */
	K_EDATA,      /* bad input data or corrupt model (65) */
	K_ENOINPUT,   /* missing input file or model (66) */
	K_EUNAVAIL,   /* a service is unavailable (69) */
	K_EINTERNAL,  /* a bug (70) */
	K_ECANTCREAT, /* cannot create output (73) */
	K_EIO,        /* I/O error (74) */
	K_ETEMPFAIL,  /* try again later: rate limited, lock busy (75) */
	K_ECONFIG,    /* configuration: no trained model, bad setting (78) */
	K_ENOMEM,     /* out of memory (70 too, with its own message) */
};

/* What went wrong, for the caller to print: jansson's json_error_t pattern.
 * text is the whole message; line (the line of the file the message
 * names, from 1) is 0 and field is "" when they do not apply. */
struct k_error {
	enum k_status code;
	long line;
	char field[128];
	char text[512];
};

/* The sysexits code for a status (0, 64, 65, 66, 69, 70, 73, 74, 75, 78). */
int k_status_exit(enum k_status st);

/* Fill err (if not NULL) with a printf-style message; returns st so that
 * callers can write `return k_error_set(err, K_EDATA, "...")`. */
enum k_status k_error_set(struct k_error *err, enum k_status st,
                          const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, also recording the field the message is about. */
enum k_status k_error_field(struct k_error *err, enum k_status st,
                            const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Same, for an error about one line of a file: "PATH:LINE: ..." is the
 * caller's to write in fmt; line is recorded in err->line. */
enum k_status k_error_line(struct k_error *err, enum k_status st, long line,
                           const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void k_error_clear(struct k_error *err);

#endif
