// Typed wrappers over libcurl's variadic setopt/getinfo calls, which Swift cannot call.
// Nothing else lives here: all logic is in Swift.
#ifndef GAVEL_CCURL_SHIM_H
#define GAVEL_CCURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*gavel_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode gavel_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gavel_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gavel_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gavel_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gavel_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gavel_easy_setopt_data_cb(CURL *h, CURLoption o, gavel_curl_data_cb v) { return curl_easy_setopt(h, o, v); }

static inline CURLcode gavel_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode gavel_easy_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode gavel_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }

static inline CURLMcode gavel_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

static inline CURLSHcode gavel_share_setopt_long(CURLSH *s, CURLSHoption o, long v) { return curl_share_setopt(s, o, v); }

#endif
