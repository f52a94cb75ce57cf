/*
 * k_lines.c - the ordered parallel line pipeline of k_lines.h: a ring of
 * batches, filled by the main thread, processed by workers in sequence,
 * emitted by the main thread in sequence.
 */
#include "cli/k_lines.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/k_input.h"
#include "cli/k_log.h"

#define BATCH_BYTES (1u << 20)
#define BATCH_LINES 4096
/* A pipe empty for this long is live: emit what is held. A fast writer
 * refills it sooner, so its batches stay whole; a follower's row waits
 * at most this long. */
#define HOLD_MS 2

enum { FREE, READY, BUSY, DONE };

struct pool {
	struct k_lines_job *job;
	struct k_batch *ring;
	size_t nring;
	pthread_t *tid;
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	unsigned long next_proc;   /* next sequence number to process */
	unsigned long seq_fill;    /* next sequence number to fill */
	unsigned long seq_emit;    /* next sequence number to emit */
	int quit;
	int stop;                  /* emit asked to stop */
	void *inline_ws;           /* worker state when threads == 1 */
};

int
k_lines_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > 8 ? 8 : (int)n;
}

void
k_batch_reject(struct k_batch *b, size_t i, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	b->flag[i] = K_LINE_REJECT;
	free(b->why[i]);
	b->why[i] = strdup(buf);
}

static void
batch_clear(struct k_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->why[i]);
		b->why[i] = NULL;
	}
	b->n = 0;
	b->len = 0;
	k_buf_reset(&b->out);
}

static void
batch_release(struct k_batch *b)
{
	batch_clear(b);
	free(b->data);
	free(b->off);
	free(b->lens);
	free(b->lineno);
	free(b->out_end);
	free(b->flag);
	free(b->mark);
	free(b->why);
	k_buf_release(&b->out);
}

/* Append a line; -1 when out of memory. */
static int
batch_add(struct k_batch *b, const char *line, size_t len, long lineno,
          int flag)
{
	if (b->n == b->capn) {
		size_t nc = b->capn ? b->capn * 2 : 256;
		size_t *no = realloc(b->off, nc * sizeof *no);
		if (no) b->off = no;
		size_t *nl = realloc(b->lens, nc * sizeof *nl);
		if (nl) b->lens = nl;
		long *nn = realloc(b->lineno, nc * sizeof *nn);
		if (nn) b->lineno = nn;
		size_t *ne = realloc(b->out_end, nc * sizeof *ne);
		if (ne) b->out_end = ne;
		unsigned char *nf = realloc(b->flag, nc);
		if (nf) b->flag = nf;
		unsigned char *nm = realloc(b->mark, nc);
		if (nm) b->mark = nm;
		char **nw = realloc(b->why, nc * sizeof *nw);
		if (nw) b->why = nw;
		if (!no || !nl || !nn || !ne || !nf || !nm || !nw)
			return -1;
		for (size_t i = b->capn; i < nc; i++)
			b->why[i] = NULL;
		b->capn = nc;
	}
	if (b->len + len + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : BATCH_BYTES + 4096;
		while (nc < b->len + len + 1)
			nc *= 2;
		char *nd = realloc(b->data, nc);
		if (nd == NULL)
			return -1;
		b->data = nd;
		b->cap = nc;
	}
	memcpy(b->data + b->len, line, len);
	b->data[b->len + len] = '\0';
	b->off[b->n] = b->len;
	b->lens[b->n] = len;
	b->lineno[b->n] = lineno;
	b->flag[b->n] = (unsigned char)flag;
	b->mark[b->n] = 0;
	b->len += len + 1;
	b->n++;
	return 0;
}

static void
process_batch(struct k_lines_job *job, void *ws, struct k_batch *b)
{
	if (job->process_batch != NULL) {
		job->process_batch(ws, b);
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		if (b->flag[i] == K_LINE_OUT)
			job->process(ws, b, i);
		b->out_end[i] = b->out.len;
	}
}

static void *
worker(void *arg)
{
	struct pool *p = arg;
	void *ws = p->job->worker_new ? p->job->worker_new(p->job->arg) : NULL;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct k_batch *b = &p->ring[p->next_proc % p->nring];
		while (!p->quit && !(b->state == READY && b->seq == p->next_proc)) {
			pthread_cond_wait(&p->cv_work, &p->mu);
			b = &p->ring[p->next_proc % p->nring];
		}
		if (p->quit)
			break;
		b->state = BUSY;
		p->next_proc++;
		pthread_mutex_unlock(&p->mu);
		process_batch(p->job, ws, b);
		pthread_mutex_lock(&p->mu);
		b->state = DONE;
		pthread_cond_broadcast(&p->cv_done);
	}
	pthread_mutex_unlock(&p->mu);
	if (p->job->worker_free)
		p->job->worker_free(ws);
	return NULL;
}

/* Line i's output to the job, or its rejection to the policy. */
static int
emit_line(struct k_lines_job *job, struct k_batch *b, size_t i,
          const char *out, size_t n)
{
	const char *why = b->why[i] ? b->why[i] : "rejected";

	switch (b->flag[i]) {
	case K_LINE_REJECT:
		return k_reject_line(job->rj, b->source, b->lineno[i],
		                     b->data + b->off[i], b->lens[i], why);
	case K_LINE_LONG:
		return k_reject_long(job->rj, b->source, b->lineno[i],
		                     b->lens[i], why);
	default:
		return job->emit(job->arg, b, i, out, n);
	}
}

/* Emit the oldest batch once it is done; the caller checks one exists. */
static void
emit_oldest(struct pool *p)
{
	struct k_batch *b = &p->ring[p->seq_emit % p->nring];

	if (p->nthreads > 1) {
		pthread_mutex_lock(&p->mu);
		while (b->state != DONE)
			pthread_cond_wait(&p->cv_done, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
	size_t start = 0;
	for (size_t i = 0; i < b->n && !p->stop; i++) {
		if (emit_line(p->job, b, i, b->out.data + start,
		              b->out_end[i] - start))
			p->stop = 1;
		start = b->out_end[i];
	}
	batch_clear(b);
	b->state = FREE;
	p->seq_emit++;
}

/* Hand the batch being filled to the workers (or process it here). */
static void
submit(struct pool *p)
{
	struct k_batch *b = &p->ring[p->seq_fill % p->nring];

	if (b->n == 0 || b->state != FREE)
		return;
	b->seq = p->seq_fill++;
	if (p->nthreads <= 1) {
		process_batch(p->job, p->inline_ws, b);
		b->state = DONE;
		emit_oldest(p);
		return;
	}
	pthread_mutex_lock(&p->mu);
	b->state = READY;
	pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
}

/* The batch to fill next, emitting old batches to free one. */
static struct k_batch *
filling(struct pool *p)
{
	struct k_batch *b = &p->ring[p->seq_fill % p->nring];

	while (b->state != FREE && !p->stop)
		emit_oldest(p);
	return b;
}

static void
drain(struct pool *p)
{
	submit(p);
	while (p->seq_emit < p->seq_fill && !p->stop)
		emit_oldest(p);
}

/* The input would wait: emit every line read so far, then the job's idle
 * work (flush, reload a model). */
static void
on_idle(void *arg)
{
	struct pool *p = arg;

	drain(p);
	if (p->job->idle && !p->stop)
		p->job->idle(p->job->arg);
}

enum k_status
k_lines_run(struct k_lines_job *job, char **files, int nfiles,
            struct k_error *err)
{
	struct pool p;
	enum k_status st = K_OK;

	memset(&p, 0, sizeof p);
	p.job = job;
	p.nthreads = job->threads < 1 ? 1 : job->threads;
	p.nring = p.nthreads > 1 ? (size_t)p.nthreads * 2 : 1;
	p.ring = calloc(p.nring, sizeof *p.ring);
	if (p.ring == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv_work, NULL);
	pthread_cond_init(&p.cv_done, NULL);
	if (p.nthreads > 1) {
		p.tid = calloc((size_t)p.nthreads, sizeof *p.tid);
		if (p.tid == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		for (int i = 0; i < p.nthreads; i++)
			if (pthread_create(&p.tid[i], NULL, worker, &p) != 0)
				k_die(K_EINTERNAL, "cannot start worker threads");
	} else if (job->worker_new) {
		p.inline_ws = job->worker_new(job->arg);
	}

	struct k_input in;
	k_input_init(&in, files, nfiles, K_INPUT_LONG | K_INPUT_ERRORS,
	             job->rj);
	in.idle = on_idle;
	in.idle_arg = &p;
	in.idle_hold_ms = HOLD_MS;
	while (!p.stop && k_input_next(&in) > 0) {
		struct k_batch *b = filling(&p);
		if (p.stop)
			break;
		if (b->n > 0 && b->source != in.source) {
			submit(&p);
			b = filling(&p);
		}
		b->source = in.source;
		if (batch_add(b, in.line, in.len, in.lineno, K_LINE_OUT) < 0)
			k_die(K_ENOMEM, "out of memory");
		if (in.toolong) {
			k_batch_reject(b, b->n - 1, "line longer than %zu bytes",
			               in.r.max_line);
			b->flag[b->n - 1] = K_LINE_LONG;
			b->lens[b->n - 1] = in.spilled;
		}
		if (b->len >= BATCH_BYTES || b->n >= BATCH_LINES)
			submit(&p);
	}
	drain(&p);
	k_input_release(&in);
	if (in.err.code != K_OK) {
		st = in.err.code;
		if (err != NULL)
			*err = in.err;
	}

	if (p.nthreads > 1) {
		pthread_mutex_lock(&p.mu);
		p.quit = 1;
		pthread_cond_broadcast(&p.cv_work);
		pthread_mutex_unlock(&p.mu);
		for (int i = 0; i < p.nthreads; i++)
			pthread_join(p.tid[i], NULL);
		free(p.tid);
	} else if (job->worker_free) {
		job->worker_free(p.inline_ws);
	}
	for (size_t i = 0; i < p.nring; i++)
		batch_release(&p.ring[i]);
	free(p.ring);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv_work);
	pthread_cond_destroy(&p.cv_done);
	return st;
}
