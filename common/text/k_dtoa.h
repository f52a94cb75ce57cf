/*
 * k_dtoa.h - doubles to decimal text without glibc's printf. k_fmt_double
 * wrote every JSON number by trying %.15g, %.16g and %.17g in turn and
 * reading each back with strtod: up to six multi-precision calls, more
 * CPU than the work itself in small runs. This module finds the same
 * digits with one to three 128-bit multiplications (the idea of Ryu and
 * Schubfach: scale by a power of ten, decide with integers) and lays them
 * out exactly as that %g did, in 25 to 50 ns instead of 300 to 1500.
 */
#ifndef K_DTOA_H
#define K_DTOA_H

#include <stddef.h>
#include <stdint.h>

/* Longest text k_dtoa_format writes, without the NUL. */
#define K_DTOA_MAX 24

/*
 * The decimal digits of a finite, nonzero |d| that the first of %.15g,
 * %.16g and %.17g reading back to d would print: *digits * 10^*exp10 with
 * no trailing zero in *digits. Returns the number of digits, 1 to 17.
 * That is the shortest text that reads back to d when one of at most 15
 * digits exists; otherwise the correctly rounded 16 digits if they read
 * back, else the correctly rounded 17 (at 46 powers of two, such as
 * 2^-24, a 16-digit text would read back but is not the rounded one, so
 * this is 17 digits where the shortest form would be 16).
 * The sign of d is ignored. Returns 0 for zero or a non-finite d.
 */
int k_dtoa_digits(double d, uint64_t *digits, int *exp10);

/*
 * d as snprintf("%.*g", P, d) writes it, P = max(15, digits of
 * k_dtoa_digits): "0.1", "1.5e-07", "1e+20", "-70.2472223517388".
 * Writes at most K_DTOA_MAX bytes and a NUL to buf; returns the length.
 * d must be finite; zero is "0" and negative zero "-0".
 */
size_t k_dtoa_format(double d, char *buf);

#endif
