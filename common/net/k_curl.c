/*
 * k_curl.c - dlopen and dlsym of the libcurl functions k_http uses (see
 * k_curl.h).
 */
#include "net/k_curl.h"

#include <dlfcn.h>
#include <stddef.h>

struct k_curl_api k_curl;
static void *lib;

enum k_status
k_curl_load(struct k_error *err)
{
	static const char *const names[] = { "libcurl.so.4", "libcurl.so" };
	const char *why = "not found";

	if (lib != NULL)
		return K_OK;
	for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib; i++) {
		lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (lib == NULL)
			why = dlerror();
	}
	if (lib == NULL)
		return k_error_set(err, K_ECONFIG, "cannot load libcurl (Debian "
		                   "package libcurl4): %s", why);
#define LOAD(field, sym) \
	*(void **)&k_curl.field = dlsym(lib, sym); \
	if (k_curl.field == NULL) { \
		dlclose(lib); \
		lib = NULL; \
		return k_error_set(err, K_ECONFIG, "libcurl lacks %s", sym); \
	}
	LOAD(global_init, "curl_global_init")
	LOAD(easy_init, "curl_easy_init")
	LOAD(easy_setopt, "curl_easy_setopt")
	LOAD(easy_perform, "curl_easy_perform")
	LOAD(easy_getinfo, "curl_easy_getinfo")
	LOAD(easy_cleanup, "curl_easy_cleanup")
	LOAD(easy_strerror, "curl_easy_strerror")
	LOAD(slist_append, "curl_slist_append")
	LOAD(slist_free_all, "curl_slist_free_all")
	LOAD(getdate, "curl_getdate")
	LOAD(version_info, "curl_version_info")
#undef LOAD
	return K_OK;
}

int
k_curl_loaded(void)
{
	return lib != NULL;
}
