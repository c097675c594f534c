// The compression libraries Parquet files use, from Debian's libzstd-dev, libsnappy-dev (its C
// API), zlib1g-dev, liblz4-dev and libbrotli-dev. Nothing else lives here: all logic is in Swift.
#ifndef GAVEL_CCODECS_SHIM_H
#define GAVEL_CCODECS_SHIM_H

#include <zstd.h>
#include <snappy-c.h>
#include <zlib.h>
#include <lz4.h>
#include <brotli/decode.h>

// zlib's inflateInit2/deflateInit2 are macros, which Swift cannot call.
static inline int gavel_inflate_init(z_stream *s, int windowBits) {
    return inflateInit2(s, windowBits);
}
static inline int gavel_deflate_init(z_stream *s, int level, int windowBits) {
    return deflateInit2(s, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}

#endif
