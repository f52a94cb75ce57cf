/*
 * fuzz.h - what every fuzz target shares: the libFuzzer entry point (built
 * with -fsanitize=fuzzer by make fuzz, or with replay.c's main by make
 * check) and the check that turns a broken invariant into an abort(), so
 * that libFuzzer keeps the input and the replay names it.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with the invariant's text and where it is, when cond is false. */
#define FUZZ_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz: %s:%d: check failed: %s: ", __FILE__, \
		        __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

#endif
