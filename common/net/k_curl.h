/*
 * k_curl.h - libcurl, loaded on first use. Linking libcurl pulls some
 * thirty shared libraries (TLS, HTTP/2, IDN, ...) into every start of
 * kfetch, about 10 ms, even for --help or a --replay that never touches
 * the network; k_http calls libcurl through this table instead, filled by
 * dlopen when the first live request is made.
 */
#ifndef K_CURL_H
#define K_CURL_H

#include <curl/curl.h>
#include <time.h>

#include "base/k_status.h"

struct k_curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	time_t (*getdate)(const char *s, const time_t *unused);
	curl_version_info_data *(*version_info)(CURLversion v);
};

/* The functions; valid after k_curl_load returned K_OK. */
extern struct k_curl_api k_curl;

/* Load libcurl (libcurl.so.4) once; K_ECONFIG naming the Debian package
 * if it cannot be loaded. Safe to call again. */
enum k_status k_curl_load(struct k_error *err);

/* 1 once loaded. */
int k_curl_loaded(void);

#endif
