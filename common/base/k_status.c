/*
 * k_status.c - the one table from status to exit code, and the helpers
 * that fill a struct k_error.
 */
#include "base/k_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
k_status_exit(enum k_status st)
{
	switch (st) {
	case K_OK:         return 0;
	case K_EUSAGE:     return 64;
	case K_EDATA:      return 65;
	case K_ENOINPUT:   return 66;
	case K_EUNAVAIL:   return 69;
	case K_EINTERNAL:  return 70;
	case K_ECANTCREAT: return 73;
	case K_EIO:        return 74;
	case K_ETEMPFAIL:  return 75;
	case K_ECONFIG:    return 78;
	case K_ENOMEM:     return 70;
	}
	return 70;
}

static void
vset(struct k_error *err, enum k_status st, const char *field,
     const char *fmt, va_list ap)
{
	err->code = st;
	err->line = 0;
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	vsnprintf(err->text, sizeof err->text, fmt, ap);
}

enum k_status
k_error_set(struct k_error *err, enum k_status st, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return st;
	va_start(ap, fmt);
	vset(err, st, NULL, fmt, ap);
	va_end(ap);
	return st;
}

enum k_status
k_error_field(struct k_error *err, enum k_status st, const char *field,
              const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return st;
	va_start(ap, fmt);
	vset(err, st, field, fmt, ap);
	va_end(ap);
	return st;
}

enum k_status
k_error_line(struct k_error *err, enum k_status st, long line,
             const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return st;
	va_start(ap, fmt);
	vset(err, st, "", fmt, ap);
	va_end(ap);
	err->line = line;
	return st;
}

void
k_error_clear(struct k_error *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof *err);
}
