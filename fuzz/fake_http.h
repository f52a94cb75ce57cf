/*
 * fake_http.h - net/k_http's requests answered from the fuzz input, for
 * the API clients' fetchers: each k_http_json takes the next line of the
 * answers as the body of a 200 reply. No network, no sleeping.
 */
#ifndef FAKE_HTTP_H
#define FAKE_HTTP_H

#include <stddef.h>

#include "net/k_http.h"

/* The client to pass to a fetcher, answering with the lines of p[0..n)
 * (borrowed until the next call). With KTOOLS_FUZZ_ORACLE set in the
 * environment, a request past the last line is written to stdout as one
 * JSON line ({"method", "path", "body"}) and its answer read from stdin:
 * fuzz/seed.py makes the seeds so, from the test servers' answers. */
struct k_http *fake_http(const char *p, size_t n);

#endif
