/*
 * ktrain shared.c - what every kind's trainer writes alike: the head and
 * the end of the train_report line, so the fields that name the model and
 * the time stay the same keys in the same order whatever the kind.
 */
#include "ktrain.h"

#include <stdio.h>

#include "base/k_time.h"
#include "cli/k_log.h"
#include "cli/k_out.h"

void
ktrain_report_head(struct k_jsonw *w, const char *kind, const char *version,
                   const char *path)
{
	k_jsonw_key(w, "kind");
	k_jsonw_str(w, "train_report");
	k_jsonw_key(w, "model");
	k_jsonw_str(w, kind);
	k_jsonw_key(w, "version");
	k_jsonw_str(w, version);
	k_jsonw_key(w, "path");
	k_jsonw_str(w, path);
}

void
ktrain_report_rows(struct k_jsonw *w, size_t samples, long rejected,
                   size_t features)
{
	k_jsonw_key(w, "samples_trained");
	k_jsonw_int(w, (long long)samples);
	k_jsonw_key(w, "rows_rejected");
	k_jsonw_int(w, rejected);
	k_jsonw_key(w, "features_used");
	k_jsonw_int(w, (long long)features);
}

void
ktrain_summary_constant(const json_t *header)
{
	json_t *fs = json_object_get(json_object_get(header, "training"),
	                             "feature_stats");
	size_t i, n = 0, shown = 0;
	json_t *o;

	json_array_foreach(fs, i, o)
		n += json_is_true(json_object_get(o, "constant"));
	if (n == 0)
		return;
	fprintf(stderr, "Constant features (no information): %zu:", n);
	json_array_foreach(fs, i, o) {
		if (!json_is_true(json_object_get(o, "constant")) || shown == 10)
			continue;
		fprintf(stderr, "%s %s", shown++ ? "," : "",
		        json_string_value(json_object_get(o, "name")));
	}
	if (n > shown)
		fprintf(stderr, " and %zu more", n - shown);
	fputc('\n', stderr);
}

void
ktrain_report_end(struct k_jsonw *w, double t0)
{
	struct k_buf *b = w->b;

	k_jsonw_key(w, "seconds");
	k_jsonw_num(w, k_round(k_time_mono() - t0, 4));
	k_jsonw_obj_end(w);
	if (b->oom)
		k_die(K_ENOMEM, "out of memory");
	k_out_write(b->data, b->len);
	k_out_line_end();
	k_buf_release(b);
}
