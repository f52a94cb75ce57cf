/*
 * k_combine.c - the documented rule that reads anomaly detectors
 * together (see k_combine.h and kscore(1)).
 */
#include "score/k_combine.h"

#include <string.h>

void
k_combine(const struct k_det_result *r, size_t n, struct k_combined *out)
{
	double sum = 0;

	memset(out, 0, sizeof *out);
	out->single = -1;
	for (size_t k = 0; k < n; k++) {
		if (!r[k].scored)
			continue;
		out->scored++;
		out->flagged += r[k].flag != 0;
		sum += r[k].pct;
		out->single = (int)k;
	}
	if (out->scored == 0)
		return;
	if (out->scored == 1) {
		out->score = r[out->single].score;
		out->flag = r[out->single].flag;
		return;
	}
	out->single = -1;
	out->score = sum / (double)out->scored;
	out->flag = out->flagged == out->scored ||
	            out->score >= K_COMBINE_FLAG_PCT;
}

const char *
k_combine_agreement(const struct k_combined *c)
{
	if (c->flagged == 0)
		return "none";
	if (c->flagged == c->scored)
		return c->scored == 2 ? "both" : "all";
	return c->scored == 2 ? "one" : "some";
}
