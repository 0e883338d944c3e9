#include "build/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace paasrun::build {

void Sha256::Free::operator()(EVP_MD_CTX* ctx) const noexcept {
    EVP_MD_CTX_free(ctx);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("libcrypto: cannot set up a SHA-256 context");
}

void Sha256::update(std::string_view data) {
    // EVP_DigestUpdate only fails on a context that was never initialised (the constructor
    // guarantees it was), so its result carries no information here.
    (void)EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

std::string Sha256::hex_digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    (void)EVP_DigestFinal_ex(ctx_.get(), md, &len);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        out += kDigits[md[i] >> 4];
        out += kDigits[md[i] & 0xf];
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.hex_digest();
}

}  // namespace paasrun::build
