#ifndef CAUSERIE_CZSTD_SHIM_H
#define CAUSERIE_CZSTD_SHIM_H
#include <zstd.h>
#endif
