/*
 * ktrain shared.c - what every kind's trainer writes alike: the head of
 * the train_report line, so the fields that name the model stay the same
 * keys in the same order whatever the kind.
 */
#include "ktrain.h"

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
