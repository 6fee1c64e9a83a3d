#ifndef NIANBAO_CLIBPQ_SHIM_H
#define NIANBAO_CLIBPQ_SHIM_H
/*
 * libpq, loaded on first use (dlopen) instead of at process start: only `export --to postgres://`
 * pays for mapping libpq and its TLS/GSSAPI/LDAP dependencies, and a machine without libpq can
 * still run everything else. The header gives the types and constants; every call goes through a
 * wrapper named nianbao_<function> that resolves the symbol once.
 */
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif
#include <dlfcn.h>
#include <stddef.h>

#ifdef __APPLE__
#define NIANBAO_LIBPQ_SONAME "libpq.5.dylib"
#else
#define NIANBAO_LIBPQ_SONAME "libpq.so.5"
#endif

/* The library handle, or NULL when it cannot be loaded (nianbao_pq_load_error says why). */
static inline void *nianbao_pq_library(void) {
    static void *lib;
    void *l = __atomic_load_n(&lib, __ATOMIC_ACQUIRE);
    if (l == NULL) {
#ifdef __APPLE__
        /* Homebrew's prefixes are not on dyld's default search path. */
        static const char *const candidates[] = {"libpq.5.dylib", "/opt/homebrew/opt/libpq/lib/libpq.5.dylib", "/usr/local/opt/libpq/lib/libpq.5.dylib",
        "/opt/homebrew/lib/libpq.5.dylib", "/usr/local/lib/libpq.5.dylib"};
        for (size_t i = 0; l == NULL && i < sizeof candidates / sizeof candidates[0]; i++) l = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
#else
        l = dlopen(NIANBAO_LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
#endif
        if (l != NULL) __atomic_store_n(&lib, l, __ATOMIC_RELEASE);
    }
    return l;
}

/* One resolved pointer per function (NULL when libpq cannot be loaded). */
#define NIANBAO_PQ_FUNCTION(ret, name, params)                                      \
    typedef ret (*nianbao_##name##_t) params;                                       \
    static inline nianbao_##name##_t nianbao_resolve_##name(void) {                 \
        static nianbao_##name##_t f;                                                \
        nianbao_##name##_t g = __atomic_load_n(&f, __ATOMIC_ACQUIRE);               \
        if (g == NULL) {                                                            \
            void *l = nianbao_pq_library();                                         \
            g = l != NULL ? (nianbao_##name##_t)dlsym(l, #name) : NULL;             \
            if (g != NULL) __atomic_store_n(&f, g, __ATOMIC_RELEASE);               \
        }                                                                           \
        return g;                                                                   \
    }

NIANBAO_PQ_FUNCTION(PGconn *, PQconnectdb, (const char *))
NIANBAO_PQ_FUNCTION(ConnStatusType, PQstatus, (const PGconn *))
NIANBAO_PQ_FUNCTION(char *, PQerrorMessage, (const PGconn *))
NIANBAO_PQ_FUNCTION(void, PQfinish, (PGconn *))
NIANBAO_PQ_FUNCTION(PGresult *, PQexec, (PGconn *, const char *))
NIANBAO_PQ_FUNCTION(PGresult *, PQexecParams, (PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *, int))
NIANBAO_PQ_FUNCTION(ExecStatusType, PQresultStatus, (const PGresult *))
NIANBAO_PQ_FUNCTION(char *, PQresultErrorMessage, (const PGresult *))
NIANBAO_PQ_FUNCTION(void, PQclear, (PGresult *))
NIANBAO_PQ_FUNCTION(int, PQntuples, (const PGresult *))
NIANBAO_PQ_FUNCTION(int, PQnfields, (const PGresult *))
NIANBAO_PQ_FUNCTION(int, PQgetisnull, (const PGresult *, int, int))
NIANBAO_PQ_FUNCTION(char *, PQgetvalue, (const PGresult *, int, int))
NIANBAO_PQ_FUNCTION(int, PQputCopyData, (PGconn *, const char *, int))
NIANBAO_PQ_FUNCTION(int, PQputCopyEnd, (PGconn *, const char *))
NIANBAO_PQ_FUNCTION(PGresult *, PQgetResult, (PGconn *))

/* NULL when libpq is loaded and has every function nianbao calls, else the reason. */
static inline const char *nianbao_pq_load_error(void) {
    if (nianbao_pq_library() == NULL) { const char *e = dlerror(); return e != NULL ? e : "cannot load " NIANBAO_LIBPQ_SONAME; }
    if (!nianbao_resolve_PQconnectdb() || !nianbao_resolve_PQstatus() || !nianbao_resolve_PQerrorMessage() ||
        !nianbao_resolve_PQfinish() || !nianbao_resolve_PQexec() || !nianbao_resolve_PQexecParams() ||
        !nianbao_resolve_PQresultStatus() || !nianbao_resolve_PQresultErrorMessage() || !nianbao_resolve_PQclear() ||
        !nianbao_resolve_PQntuples() || !nianbao_resolve_PQnfields() || !nianbao_resolve_PQgetisnull() ||
        !nianbao_resolve_PQgetvalue() || !nianbao_resolve_PQputCopyData() || !nianbao_resolve_PQputCopyEnd() ||
        !nianbao_resolve_PQgetResult())
        return "libpq lacks a function nianbao needs";
    return NULL;
}

/* Callers check nianbao_pq_load_error() once before connecting; after that every pointer is set. */
static inline PGconn *nianbao_PQconnectdb(const char *c) { return nianbao_resolve_PQconnectdb()(c); }
static inline ConnStatusType nianbao_PQstatus(const PGconn *c) { return nianbao_resolve_PQstatus()(c); }
static inline char *nianbao_PQerrorMessage(const PGconn *c) { return nianbao_resolve_PQerrorMessage()(c); }
static inline void nianbao_PQfinish(PGconn *c) { nianbao_resolve_PQfinish()(c); }
static inline PGresult *nianbao_PQexec(PGconn *c, const char *q) { return nianbao_resolve_PQexec()(c, q); }
static inline PGresult *nianbao_PQexecParams(PGconn *c, const char *q, int n, const Oid *t, const char *const *v, const int *l,
                                             const int *f, int r) { return nianbao_resolve_PQexecParams()(c, q, n, t, v, l, f, r); }
static inline ExecStatusType nianbao_PQresultStatus(const PGresult *r) { return nianbao_resolve_PQresultStatus()(r); }
static inline char *nianbao_PQresultErrorMessage(const PGresult *r) { return nianbao_resolve_PQresultErrorMessage()(r); }
static inline void nianbao_PQclear(PGresult *r) { nianbao_resolve_PQclear()(r); }
static inline int nianbao_PQntuples(const PGresult *r) { return nianbao_resolve_PQntuples()(r); }
static inline int nianbao_PQnfields(const PGresult *r) { return nianbao_resolve_PQnfields()(r); }
static inline int nianbao_PQgetisnull(const PGresult *r, int row, int col) { return nianbao_resolve_PQgetisnull()(r, row, col); }
static inline char *nianbao_PQgetvalue(const PGresult *r, int row, int col) { return nianbao_resolve_PQgetvalue()(r, row, col); }
static inline int nianbao_PQputCopyData(PGconn *c, const char *b, int n) { return nianbao_resolve_PQputCopyData()(c, b, n); }
static inline int nianbao_PQputCopyEnd(PGconn *c, const char *e) { return nianbao_resolve_PQputCopyEnd()(c, e); }
static inline PGresult *nianbao_PQgetResult(PGconn *c) { return nianbao_resolve_PQgetResult()(c); }
#endif
