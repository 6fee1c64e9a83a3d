#ifndef NIANBAO_CCURL_SHIM_H
#define NIANBAO_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt/getinfo are variadic: one typed wrapper per argument type. */
static inline CURLcode nianbao_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nianbao_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nianbao_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nianbao_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode nianbao_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*nianbao_curl_data_cb)(char *, size_t, size_t, void *);
static inline CURLcode nianbao_curl_setopt_data_cb(CURL *h, CURLoption o, nianbao_curl_data_cb f) { return curl_easy_setopt(h, o, f); }
typedef int (*nianbao_curl_debug_cb)(CURL *, curl_infotype, char *, size_t, void *);
static inline CURLcode nianbao_curl_setopt_debug_cb(CURL *h, nianbao_curl_debug_cb f) { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, f); }
static inline CURLcode nianbao_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode nianbao_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode nianbao_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline const char *nianbao_curl_version(void) { return curl_version_info(CURLVERSION_TENTH)->version; }
#endif
