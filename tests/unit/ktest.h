/*
 * ktest.h - the few assertions the C unit tests need: each failure prints
 * file, line and the values compared; main returns the failure count.
 */
#ifndef KTEST_H
#define KTEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int ktest_failures;
static int ktest_checks;

#define KT_FAIL(...) do { ktest_failures++; \
	fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } while (0)

#define KT_CHECK(cond) do { ktest_checks++; if (!(cond)) \
	KT_FAIL("%s", #cond); } while (0)

#define KT_EQ_INT(a, b) do { long long ka_ = (long long)(a), kb_ = (long long)(b); \
	ktest_checks++; if (ka_ != kb_) KT_FAIL("%s == %s: %lld != %lld", #a, #b, ka_, kb_); } while (0)

#define KT_EQ_STR(a, b) do { const char *ka_ = (a), *kb_ = (b); ktest_checks++; \
	if (ka_ == NULL || kb_ == NULL || strcmp(ka_, kb_) != 0) \
		KT_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, ka_ ? ka_ : "(null)", kb_ ? kb_ : "(null)"); } while (0)

/* |a - b| <= tol, absolute. */
#define KT_NEAR(a, b, tol) do { double ka_ = (a), kb_ = (b), kt_ = (tol); ktest_checks++; \
	if (!(fabs(ka_ - kb_) <= kt_)) KT_FAIL("%s ~ %s: %.17g vs %.17g (tol %g)", #a, #b, ka_, kb_, kt_); } while (0)

/* |a - b| <= tol * max(1, |b|), relative. */
#define KT_RNEAR(a, b, tol) do { double ka_ = (a), kb_ = (b), kt_ = (tol); ktest_checks++; \
	double km_ = fabs(kb_) > 1 ? fabs(kb_) : 1; \
	if (!(fabs(ka_ - kb_) <= kt_ * km_)) KT_FAIL("%s ~ %s: %.17g vs %.17g (rel tol %g)", #a, #b, ka_, kb_, kt_); } while (0)

#define KT_DONE() do { \
	fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__, ktest_checks, ktest_failures); \
	return ktest_failures ? 1 : 0; } while (0)

#endif
