/*
 * k_parallel.h - a parallel for-loop over [0, n) in contiguous chunks, on up to
 * `threads` POSIX threads. Work items must be independent (each writes
 * only its own outputs), so results never depend on the thread count.
 */
#ifndef K_PARALLEL_H
#define K_PARALLEL_H

#include <stddef.h>

/* fn(arg, lo, hi, tid) handles items [lo, hi) on thread tid (0-based,
 * < threads). Runs on the caller's thread when threads <= 1 or n is
 * small. */
void k_parallel_for(size_t n, int threads,
               void (*fn)(void *arg, size_t lo, size_t hi, int tid),
               void *arg);

/* Threads to use by default: online processors, at most 8. */
int k_parallel_threads(void);

#endif
