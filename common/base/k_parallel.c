/*
 * k_parallel.c - the parallel for-loop of k_parallel.h: one contiguous
 * chunk per thread, the caller's thread taking the first.
 */
#include "base/k_parallel.h"

#include <pthread.h>
#include <unistd.h>

#define MAX_THREADS 64

struct job {
	void (*fn)(void *, size_t, size_t, int);
	void *arg;
	size_t lo, hi;
	int tid;
};

static void *
run(void *p)
{
	struct job *j = p;

	j->fn(j->arg, j->lo, j->hi, j->tid);
	return NULL;
}

int
k_parallel_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > 8 ? 8 : (int)n;
}

void
k_parallel_for(size_t n, int threads,
          void (*fn)(void *arg, size_t lo, size_t hi, int tid), void *arg)
{
	struct job jobs[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	int started[MAX_THREADS] = { 0 };

	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if ((size_t)threads > n)
		threads = (int)n;
	if (threads <= 1) {
		if (n > 0)
			fn(arg, 0, n, 0);
		return;
	}
	for (int t = 0; t < threads; t++) {
		jobs[t] = (struct job){ fn, arg, n * (size_t)t / (size_t)threads,
		                        n * (size_t)(t + 1) / (size_t)threads, t };
		if (t > 0)
			started[t] = pthread_create(&tid[t], NULL, run, &jobs[t]) == 0;
	}
	run(&jobs[0]);
	for (int t = 1; t < threads; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			run(&jobs[t]); /* could not start a thread: do it here */
	}
}
