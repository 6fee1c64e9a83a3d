#ifndef NIANBAO_CCURL_SHIM_H
#define NIANBAO_CCURL_SHIM_H
/*
 * libcurl, loaded on first use (dlopen) instead of at process start: `normalize` and `export`
 * never pay for mapping libcurl and its TLS/GSSAPI/LDAP dependencies (about 3.5 ms per start),
 * and a machine without libcurl can still run them. The headers give the types and constants;
 * every call goes through a wrapper named nianbao_<function> that resolves the symbol once.
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>

#ifdef __APPLE__
#define NIANBAO_LIBCURL_SONAME "libcurl.4.dylib"
#else
#define NIANBAO_LIBCURL_SONAME "libcurl.so.4"
#endif

/* The library handle, or NULL when it cannot be loaded (nianbao_curl_load_error says why). */
static inline void *nianbao_curl_library(void) {
    static void *lib;
    void *l = __atomic_load_n(&lib, __ATOMIC_ACQUIRE);
    if (l == NULL) {
#ifdef __APPLE__
        /* Homebrew's prefixes are not on dyld's default search path. */
        static const char *const candidates[] = {"libcurl.4.dylib", "/opt/homebrew/opt/curl/lib/libcurl.4.dylib", "/usr/local/opt/curl/lib/libcurl.4.dylib"};
        for (size_t i = 0; l == NULL && i < sizeof candidates / sizeof candidates[0]; i++) l = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
#else
        l = dlopen(NIANBAO_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
#endif
        if (l != NULL) __atomic_store_n(&lib, l, __ATOMIC_RELEASE);
    }
    return l;
}

/* NULL when libcurl is loaded and has every function nianbao calls, else the reason. */
static inline const char *nianbao_curl_load_error(void) {
    static const char *const names[] = {"curl_global_init", "curl_easy_init", "curl_easy_cleanup", "curl_easy_reset",
        "curl_easy_perform", "curl_easy_setopt", "curl_easy_getinfo", "curl_slist_append", "curl_slist_free_all",
        "curl_version_info"};
    void *l = nianbao_curl_library();
    if (l == NULL) { const char *e = dlerror(); return e != NULL ? e : "cannot load " NIANBAO_LIBCURL_SONAME; }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (dlsym(l, names[i]) == NULL) return "libcurl lacks a function nianbao needs";
    }
    return NULL;
}

/* One resolved pointer per function (NULL when libcurl cannot be loaded). */
#define NIANBAO_CURL_FUNCTION(type, name)                                   \
    static inline type nianbao_resolve_##name(void) {                                      \
        static type f;                                                              \
        type g = __atomic_load_n(&f, __ATOMIC_ACQUIRE);                             \
        if (g == NULL) {                                                            \
            void *l = nianbao_curl_library();                                       \
            g = l != NULL ? (type)dlsym(l, #name) : NULL;                           \
            if (g != NULL) __atomic_store_n(&f, g, __ATOMIC_RELEASE);               \
        }                                                                           \
        return g;                                                                   \
    }

typedef CURLcode (*nianbao_curl_global_init_t)(long);
typedef CURL *(*nianbao_curl_easy_init_t)(void);
typedef void (*nianbao_curl_easy_void_t)(CURL *);
typedef CURLcode (*nianbao_curl_easy_perform_t)(CURL *);
typedef CURLcode (*nianbao_curl_easy_setopt_t)(CURL *, CURLoption, ...);
typedef CURLcode (*nianbao_curl_easy_getinfo_t)(CURL *, CURLINFO, ...);
typedef struct curl_slist *(*nianbao_curl_slist_append_t)(struct curl_slist *, const char *);
typedef void (*nianbao_curl_slist_free_all_t)(struct curl_slist *);
typedef curl_version_info_data *(*nianbao_curl_version_info_t)(CURLversion);

NIANBAO_CURL_FUNCTION(nianbao_curl_global_init_t, curl_global_init)
NIANBAO_CURL_FUNCTION(nianbao_curl_easy_init_t, curl_easy_init)
NIANBAO_CURL_FUNCTION(nianbao_curl_easy_void_t, curl_easy_cleanup)
NIANBAO_CURL_FUNCTION(nianbao_curl_easy_void_t, curl_easy_reset)
NIANBAO_CURL_FUNCTION(nianbao_curl_easy_perform_t, curl_easy_perform)
NIANBAO_CURL_FUNCTION(nianbao_curl_easy_setopt_t, curl_easy_setopt)
NIANBAO_CURL_FUNCTION(nianbao_curl_easy_getinfo_t, curl_easy_getinfo)
NIANBAO_CURL_FUNCTION(nianbao_curl_slist_append_t, curl_slist_append)
NIANBAO_CURL_FUNCTION(nianbao_curl_slist_free_all_t, curl_slist_free_all)
NIANBAO_CURL_FUNCTION(nianbao_curl_version_info_t, curl_version_info)

static inline CURLcode nianbao_curl_global_init(long flags) {
    nianbao_curl_global_init_t f = nianbao_resolve_curl_global_init();
    return f != NULL ? f(flags) : CURLE_FAILED_INIT;
}
static inline CURL *nianbao_curl_easy_init(void) {
    nianbao_curl_easy_init_t f = nianbao_resolve_curl_easy_init();
    return f != NULL ? f() : NULL;
}
static inline void nianbao_curl_easy_cleanup(CURL *h) {
    nianbao_curl_easy_void_t f = nianbao_resolve_curl_easy_cleanup();
    if (f != NULL) f(h);
}
static inline void nianbao_curl_easy_reset(CURL *h) {
    nianbao_curl_easy_void_t f = nianbao_resolve_curl_easy_reset();
    if (f != NULL) f(h);
}
static inline CURLcode nianbao_curl_easy_perform(CURL *h) {
    nianbao_curl_easy_perform_t f = nianbao_resolve_curl_easy_perform();
    return f != NULL ? f(h) : CURLE_FAILED_INIT;
}
static inline struct curl_slist *nianbao_curl_slist_append(struct curl_slist *l, const char *s) {
    nianbao_curl_slist_append_t f = nianbao_resolve_curl_slist_append();
    return f != NULL ? f(l, s) : NULL;
}
static inline void nianbao_curl_slist_free_all(struct curl_slist *l) {
    nianbao_curl_slist_free_all_t f = nianbao_resolve_curl_slist_free_all();
    if (f != NULL) f(l);
}

/* curl_easy_setopt/getinfo are variadic: one typed wrapper per argument type. */
#define NIANBAO_SETOPT(h, o, v) (nianbao_resolve_curl_easy_setopt() != NULL ? nianbao_resolve_curl_easy_setopt()(h, o, v) : CURLE_FAILED_INIT)
#define NIANBAO_GETINFO(h, i, v) (nianbao_resolve_curl_easy_getinfo() != NULL ? nianbao_resolve_curl_easy_getinfo()(h, i, v) : CURLE_FAILED_INIT)
static inline CURLcode nianbao_curl_setopt_long(CURL *h, CURLoption o, long v) { return NIANBAO_SETOPT(h, o, v); }
static inline CURLcode nianbao_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return NIANBAO_SETOPT(h, o, v); }
static inline CURLcode nianbao_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return NIANBAO_SETOPT(h, o, v); }
static inline CURLcode nianbao_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return NIANBAO_SETOPT(h, o, v); }
static inline CURLcode nianbao_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return NIANBAO_SETOPT(h, o, v); }
typedef size_t (*nianbao_curl_data_cb)(char *, size_t, size_t, void *);
static inline CURLcode nianbao_curl_setopt_data_cb(CURL *h, CURLoption o, nianbao_curl_data_cb f) { return NIANBAO_SETOPT(h, o, f); }
typedef int (*nianbao_curl_debug_cb)(CURL *, curl_infotype, char *, size_t, void *);
static inline CURLcode nianbao_curl_setopt_debug_cb(CURL *h, nianbao_curl_debug_cb f) { return NIANBAO_SETOPT(h, CURLOPT_DEBUGFUNCTION, f); }
static inline CURLcode nianbao_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return NIANBAO_GETINFO(h, i, v); }
static inline CURLcode nianbao_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return NIANBAO_GETINFO(h, i, v); }
static inline CURLcode nianbao_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return NIANBAO_GETINFO(h, i, v); }
static inline const char *nianbao_curl_version(void) {
    nianbao_curl_version_info_t f = nianbao_resolve_curl_version_info();
    return f != NULL ? f(CURLVERSION_TENTH)->version : "unavailable";
}
#endif
