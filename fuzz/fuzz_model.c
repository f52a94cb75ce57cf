/*
 * fuzz_model.c - the model file decoder (model/k_model) and, on what it
 * accepts, the kind decoders: an anomaly model (k_anomaly_from_model, the
 * forest of numeric/k_iforest, then a row scored and explained and the
 * drift reference read), a One-Class SVM model (k_ocsvm_from_model, the
 * payload of numeric/k_svm, then a row scored and explained) and a
 * forecast model (numeric/k_arima's decoder,
 * a forecast and an update, and k_forecast_load_file's header checks).
 * The input is a model file whose checksums are recomputed before
 * decoding, so that mutations get past them. Byte 60 (the low byte of
 * the header CRC, overwritten here) holds flags: RAW, the bytes after the
 * JSON header are the payload uncompressed, to be compressed here (so
 * that mutations reach the kind decoders); KEEP, the lengths stay as
 * given (else they are made to fit the input). Nothing may crash or leak.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/k_buf.h"
#include "model/k_anomaly.h"
#include "model/k_forecast.h"
#include "model/k_model.h"
#include "model/k_ocsvm.h"
#include "numeric/k_arima.h"
#include "numeric/k_drift.h"
#include "numeric/k_iforest.h"
#include "fuzz.h"

enum { FLAG_RAW = 1, FLAG_KEEP = 2 };
enum { O_HLEN = 28, O_PLEN = 32, O_PRAW = 40, O_PCRC = 48, O_HCRC = 60 };

/* The input as a file the decoder will check no further than its
 * contents: lengths fitted (unless KEEP), the payload compressed (RAW),
 * checksums recomputed. *n is updated; the caller frees the result. */
static unsigned char *
fix_up(const uint8_t *d, size_t *n)
{
	size_t len = *n;
	unsigned flags = len > O_HCRC ? d[O_HCRC] : 0;
	uint32_t hlen = len >= K_MODEL_FIXED ? k_buf_rd32(d + O_HLEN) : 0;
	size_t rest = 0;

	if (len >= K_MODEL_FIXED && !(flags & FLAG_KEEP) &&
	    hlen > len - K_MODEL_FIXED)
		hlen = (uint32_t)(len - K_MODEL_FIXED);
	if (len >= K_MODEL_FIXED && K_MODEL_FIXED + (size_t)hlen <= len)
		rest = len - K_MODEL_FIXED - hlen;
	uLong cap = (flags & FLAG_RAW) ? compressBound((uLong)rest) : rest;
	unsigned char *f = malloc(len - rest + cap + 1);
	FUZZ_CHECK(f != NULL, "out of memory");
	memcpy(f, d, len - rest);
	if (len < K_MODEL_FIXED || K_MODEL_FIXED + (size_t)hlen > len)
		return f;
	unsigned char *pay = f + K_MODEL_FIXED + hlen;
	uLongf plen = (uLongf)rest;
	if (flags & FLAG_RAW) {
		plen = cap;
		FUZZ_CHECK(compress2(pay, &plen, d + K_MODEL_FIXED + hlen,
		                     (uLong)rest, Z_BEST_SPEED) == Z_OK, "zlib");
		k_buf_le64(f + O_PRAW, rest);
	} else {
		memcpy(pay, d + K_MODEL_FIXED + hlen, rest);
	}
	*n = K_MODEL_FIXED + hlen + plen;
	if (!(flags & FLAG_KEEP) || (flags & FLAG_RAW)) {
		k_buf_le32(f + O_HLEN, hlen);
		k_buf_le64(f + O_PLEN, plen);
	}
	k_buf_le32(f + O_PCRC, (uint32_t)crc32_z(0L, pay, plen));
	uLong hc = crc32(0L, f, O_HCRC);
	hc = crc32_z(hc, f + K_MODEL_FIXED, hlen);
	k_buf_le32(f + O_HCRC, (uint32_t)hc);
	return f;
}

/* A decoded anomaly model: a row of zeros and one of NANs scored and
 * explained, as kscore would. */
static void
anomaly(struct k_model *mf)
{
	struct k_anomaly a;
	struct k_error err;
	struct k_drift_set ds;

	if (k_anomaly_from_model(&a, mf, "fuzz.ktm", &err) == K_OK) {
		size_t d = a.forest->d;
		double *x = calloc(d ? d : 1, sizeof *x);
		double *gain = calloc(d ? d : 1, sizeof *gain);
		struct k_contrib *out = calloc(d ? d : 1, sizeof *out);
		FUZZ_CHECK(x && gain && out, "out of memory");
		for (int pass = 0; pass < 2; pass++) {
			double s = k_iforest_score(a.forest, x);
			(void)s;
			k_anomaly_explain(&a, x, gain, out, d);
			for (size_t j = 0; j < d; j++)
				x[j] = NAN;
		}
		free(x);
		free(gain);
		free(out);
		k_anomaly_release(&a);
	}
	memset(&ds, 0, sizeof ds);
	k_anomaly_drift_ref(mf->header, "fuzz", &ds, &err);
	k_drift_set_release(&ds);
}

/* A decoded ocsvm model: a row of zeros and one of NANs scored and
 * explained, as kscore would. */
static void
ocsvm(struct k_model *mf)
{
	struct k_ocsvm m;
	struct k_error err;

	if (k_ocsvm_from_model(&m, mf, "fuzz.ktm", &err) != K_OK)
		return;
	size_t d = m.d;
	double *x = calloc(d, sizeof *x), *z = calloc(d, sizeof *z);
	double *scratch = calloc(k_ocsvm_scratch(&m), sizeof *scratch);
	struct k_contrib *out = calloc(d, sizeof *out);
	FUZZ_CHECK(x && z && scratch && out, "out of memory");
	for (int pass = 0; pass < 2; pass++) {
		double dv;
		k_ocsvm_transform(&m, x, z);
		k_svm_decision(&m.svm, z, 1, &dv, scratch + d);
		(void)k_ocsvm_score(&m, dv);
		k_ocsvm_explain(&m, x, z, dv, scratch, out, d);
		for (size_t j = 0; j < d; j++)
			x[j] = NAN;
	}
	free(x);
	free(z);
	free(scratch);
	free(out);
	k_ocsvm_release(&m);
}

/* The file f (n bytes) loaded by path, as kforecast loads a model. */
static void
forecast_file(const unsigned char *f, size_t n)
{
	static char path[] = "/tmp/ktools-fuzz-XXXXXX";
	static int fd = -1;
	struct k_forecast fc;
	struct k_error err;

	if (fd < 0 && (fd = mkstemp(path)) >= 0)
		unlink(path);   /* kept open: reached through /proc */
	if (fd < 0 || ftruncate(fd, 0) != 0 ||
	    pwrite(fd, f, n, 0) != (ssize_t)n)
		return;
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	if (k_forecast_load_file(&fc, p, &err) == K_OK)
		k_forecast_release(&fc);
}

/* A decoded forecast payload: forecast three steps, then take two new
 * observations (one missing). */
static void
forecast(const struct k_model *mf)
{
	struct k_arima_model m;
	struct k_error err;
	double mean[3], var[3], lo[3], hi[3];
	const double y[2] = { 2.385, NAN };

	if (k_arima_model_decode(mf->payload, mf->payload_len, &m, &err) != K_OK)
		return;
	k_arima_forecast(&m, 3, 0.9, mean, var, lo, hi, &err);
	k_arima_update(&m, y, 2, &err);
	k_arima_forecast(&m, 3, 0.9, mean, var, lo, hi, &err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k_model m;
	struct k_error err;
	size_t n = size;
	unsigned char *f = fix_up(data, &n);

	if (k_model_decode(f, n, NULL, &m, &err) == K_OK) {
		FUZZ_CHECK(json_is_object(m.header), "decoded without a header");
		if (strcmp(m.kind, K_ANOMALY_KIND) == 0)
			anomaly(&m);
		if (strcmp(m.kind, K_OCSVM_KIND) == 0)
			ocsvm(&m);
		if (strcmp(m.kind, K_FORECAST_KIND) == 0) {
			forecast(&m);
			forecast_file(f, n);
		}
		k_model_release(&m);
	}
	free(f);
	return 0;
}
