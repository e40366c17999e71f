#ifndef CAUSERIE_CLMDB_SHIM_H
#define CAUSERIE_CLMDB_SHIM_H
#include <lmdb.h>
#endif
