#ifndef NIANBAO_CBROTLI_SHIM_H
#define NIANBAO_CBROTLI_SHIM_H
#include <brotli/decode.h>
#endif
