// SHA-256 (FIPS 180-4), incremental. Used for source hashes and dependency fingerprints,
// where a collision would mean skipping a needed build; a 64-bit hash would be too weak
// for that, and linking OpenSSL for one digest is not worth a new dependency.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace paasrun::build {

class Sha256 {
public:
    Sha256();
    void update(std::string_view data);
    /// Finishes and returns the digest as 64 lowercase hex digits. The object is spent.
    [[nodiscard]] std::string hex_digest();

private:
    void block(const unsigned char* p);
    std::array<std::uint32_t, 8> h_;
    std::array<unsigned char, 64> buf_{};
    std::size_t buf_len_ = 0;
    std::uint64_t total_ = 0;
};

[[nodiscard]] std::string sha256_hex(std::string_view data);

}  // namespace paasrun::build
