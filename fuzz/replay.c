/*
 * replay.c - a main for the fuzz targets without libFuzzer: each file
 * named, or each file of each directory named (in name order, dot files
 * skipped), is read whole and passed once to LLVMFuzzerTestOneInput. make
 * check links every target with it, so the seed and regression corpora
 * run under gcc and, in make sanitize, under ASan and UBSan.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "base/k_file.h"
#include "fuzz.h"

static const char *prog = "replay";

/* One input; 0, or -1 when it cannot be read. */
static int
run_file(const char *path)
{
	unsigned char *data;
	size_t n;
	struct k_error err;

	if (k_file_read(path, &data, &n, (size_t)64 << 20, &err) != K_OK) {
		fprintf(stderr, "%s: %s\n", prog, err.text);
		return -1;
	}
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of dir, in name order; the count run, or -1. */
static long
run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	long done = 0;

	if (d == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char **nn = realloc(names, cap * sizeof *names);
			if (nn == NULL)
				abort();
			names = nn;
		}
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		names[n] = malloc(len);
		if (names[n] == NULL)
			abort();
		snprintf(names[n], len, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		if (done >= 0 && run_file(names[i]) == 0)
			done++;
		else
			done = -1;
		free(names[i]);
	}
	free(names);
	return done;
}

int
main(int argc, char **argv)
{
	long total = 0;
	struct stat sb;

	if (argc > 0 && strrchr(argv[0], '/') != NULL)
		prog = strrchr(argv[0], '/') + 1;
	for (int i = 1; i < argc; i++) {
		long got;
		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, argv[i],
			        strerror(errno));
			return 66;
		}
		if (S_ISDIR(sb.st_mode))
			got = run_dir(argv[i]);
		else
			got = run_file(argv[i]) == 0 ? 1 : -1;
		if (got < 0)
			return 66;
		total += got;
	}
	printf("%s: %ld inputs, no failure\n", prog, total);
	return 0;
}
