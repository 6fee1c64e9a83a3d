#ifndef NIANBAO_CZLIB_SHIM_H
#define NIANBAO_CZLIB_SHIM_H
#include <zlib.h>
/* deflateInit2/inflateInit2 are macros over the *_ functions; Swift cannot import them. */
static inline int nianbao_deflate_init_gzip(z_stream *s, int level) {
    return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
/* windowBits 15 + 32: zlib or gzip header, detected. */
static inline int nianbao_inflate_init_auto(z_stream *s) { return inflateInit2(s, 15 + 32); }
/* raw deflate (Content-Encoding: deflate sent without a zlib header by some servers). */
static inline int nianbao_inflate_init_raw(z_stream *s) { return inflateInit2(s, -15); }
#endif
