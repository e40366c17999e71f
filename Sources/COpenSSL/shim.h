#ifndef CAUSERIE_COPENSSL_SHIM_H
#define CAUSERIE_COPENSSL_SHIM_H
/* The low-level SHA256_* calls are deprecated in OpenSSL 3 but remain the fastest way to hash
   many small records (no EVP fetch per call); we silence the deprecation for them only. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/err.h>

/* The hash-chain step: SHA-256(previous hash || position (big-endian) || record body). */
static inline void causerie_chain_hash(const uint8_t *previous, uint64_t position,
                                       const void *body, size_t length, uint8_t *out) {
    SHA256_CTX context;
    uint8_t big_endian[8];
    for (int i = 0; i < 8; i++) { big_endian[i] = (uint8_t)(position >> (56 - 8 * i)); }
    SHA256_Init(&context);
    SHA256_Update(&context, previous, 32);
    SHA256_Update(&context, big_endian, 8);
    SHA256_Update(&context, body, length);
    SHA256_Final(out, &context);
}

/* Streaming SHA-256 for files (backups, exports). */
static inline int causerie_sha256_init(SHA256_CTX *context) { return SHA256_Init(context); }
static inline int causerie_sha256_update(SHA256_CTX *context, const void *data, size_t length) {
    return SHA256_Update(context, data, length);
}
static inline int causerie_sha256_final(SHA256_CTX *context, uint8_t *out) { return SHA256_Final(out, context); }
#endif
