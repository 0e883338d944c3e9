// SHA-256, incremental, on OpenSSL libcrypto's EVP interface. Used for source hashes and
// dependency fingerprints, where a collision would mean skipping a needed build (a 64-bit hash
// would be too weak for that). libcrypto is already a dependency (cpp-httplib's TLS), so the
// well-kept, CPU-accelerated implementation costs nothing new.
#pragma once

#include <openssl/types.h>  // EVP_MD_CTX, declared only

#include <memory>
#include <string>
#include <string_view>

namespace paasrun::build {

class Sha256 {
public:
    /// Throws std::runtime_error if libcrypto cannot set up a SHA-256 context (out of memory).
    Sha256();
    void update(std::string_view data);
    /// Finishes and returns the digest as 64 lowercase hex digits. The object is spent.
    [[nodiscard]] std::string hex_digest();

private:
    struct Free {
        void operator()(EVP_MD_CTX* ctx) const noexcept;
    };
    std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

[[nodiscard]] std::string sha256_hex(std::string_view data);

}  // namespace paasrun::build
