/*
 * k_passthru.h - the enriching programs' output (kscore, karchetype): each
 * input row passed through as its own bytes, with the program's fields
 * added before the closing brace. A row that already holds some of those
 * fields (scored twice) is re-written with them left out instead, so the
 * new values replace the old rather than repeat them.
 */
#ifndef K_PASSTHRU_H
#define K_PASSTHRU_H

#include <stddef.h>

#include "base/k_buf.h"
#include "base/k_status.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

/* The fields a program adds, by name. */
struct k_passthru {
	const char *const *ours;
	size_t n;
};

/* 1 if the row s has just scanned holds one of p's fields. */
int k_passthru_clash(const struct k_passthru *p, const struct k_jscan *s);

/*
 * Start the output of the row line[0..len) in out: its bytes up to the
 * closing brace (nonempty: the row has members), or, when clash, every
 * member but p's re-written (the line is read again with the scanner s);
 * w is left inside the object, for the caller's fields and
 * k_jsonw_obj_end. K_EDATA with err filled if the row cannot be re-read.
 */
enum k_status k_passthru_open(const struct k_passthru *p, struct k_jsonw *w,
                              struct k_buf *out, struct k_jscan *s,
                              const char *line, size_t len, int clash,
                              int nonempty, struct k_error *err);

#endif
