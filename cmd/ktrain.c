/*
 * ktrain - train one kind of model on feature rows and save it as a new
 * version in the model store. This file only picks the kind; each kind's
 * options and work are in cmd/ktrain_<kind>.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k_args.h"
#include "k_log.h"
#include "ktrain.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *doc;
} kinds[] = {
	{ "anomaly", ktrain_anomaly, "Isolation Forest anomaly detector" },
};

#define NKINDS (sizeof kinds / sizeof kinds[0])

static void
usage(FILE *f)
{
	fprintf(f, "Usage: ktrain KIND [OPTION...] [FILE...]\n"
	        "Train a model of KIND on feature rows (NDJSON) and save it as a "
	        "new version.\n\nKinds:\n");
	for (size_t i = 0; i < NKINDS; i++)
		fprintf(f, "  %-12s %s\n", kinds[i].name, kinds[i].doc);
	fprintf(f, "\nRun 'ktrain KIND --help' for the options of a kind.\n"
	        "\n  -?, --help     Give this help list\n"
	        "      --usage    Give a short usage message\n"
	        "  -V, --version  Print program version\n");
}

int
main(int argc, char **argv)
{
	k_log_init("ktrain");
	if (argc < 2) {
		k_err("missing model kind");
		fprintf(stderr, "Try 'ktrain --help' for more information.\n");
		return 64;
	}
	const char *a = argv[1];
	if (strcmp(a, "--help") == 0 || strcmp(a, "-?") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(a, "--usage") == 0) {
		printf("Usage: ktrain KIND [OPTION...] [FILE...]\n");
		return 0;
	}
	if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
		/* Let argp print the shared version text. */
		char *av[] = { argv[0], (char *)"--version", NULL };
		k_args_parse("ktrain", &(struct argp){ 0 }, 2, av, NULL);
		return 0;
	}
	for (size_t i = 0; i < NKINDS; i++) {
		if (strcmp(a, kinds[i].name) == 0) {
			char name[64];
			snprintf(name, sizeof name, "ktrain %s", kinds[i].name);
			argv[1] = name;
			return kinds[i].run(argc - 1, argv + 1);
		}
	}
	k_err("unknown model kind '%s'", a);
	fprintf(stderr, "Try 'ktrain --help' for the list of kinds.\n");
	return 64;
}
