/*
 * ktrain.h - the model kinds ktrain can train. Each kind lives in
 * cmd/ktrain/<kind>.c with its own argp parser and a main-like entry
 * taking the arguments after the kind (argv[0] is "ktrain <kind>").
 */
#ifndef KTRAIN_H
#define KTRAIN_H

#include <jansson.h>

#include "text/k_jsonw.h"

int ktrain_anomaly(int argc, char **argv);
int ktrain_archetype(int argc, char **argv);
int ktrain_forecast(int argc, char **argv);
int ktrain_ocsvm(int argc, char **argv);

/* The first members of every train_report: kind, model, version, path
 * (into the object open in w). */
void ktrain_report_head(struct k_jsonw *w, const char *kind,
                        const char *version, const char *path);

/* samples_trained, rows_rejected, features_used: what the trainers of
 * feature-row models report alike. */
void ktrain_report_rows(struct k_jsonw *w, size_t samples, long rejected,
                        size_t features);

/* For the summary on stderr: "Constant features (no information): N: a,
 * b, ..." naming the features training.feature_stats marks constant (the
 * first 10, then how many more); nothing when there are none. */
void ktrain_summary_constant(const json_t *header);

/* The last member, "seconds" since t0 (k_time_mono), then the object
 * closed and written as one line to standard output; w's buffer is
 * released. */
void ktrain_report_end(struct k_jsonw *w, double t0);

#endif
