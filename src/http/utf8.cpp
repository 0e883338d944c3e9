#include "http/utf8.hpp"

#include <cstring>

namespace paasrun::http {
namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ull;

}  // namespace

bool Utf8Validator::feed(std::string_view bytes) noexcept {
    if (failed_) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto* end = p + bytes.size();
    std::uint8_t need = need_, lo = lo_, hi = hi_;
    while (p < end) {
        if (need == 0) {
            // Between code points: skip ASCII a word at a time (most text is mostly ASCII).
            while (end - p >= 8) {
                std::uint64_t w;
                std::memcpy(&w, p, 8);
                if (w & kHighBits) break;
                p += 8;
            }
            if (p == end) break;
            unsigned char c = *p++;
            if (c < 0x80) continue;
            // The lead byte sets the length and the range of the first continuation byte
            // (RFC 3629 section 4); the later ones are always 80..BF.
            lo = 0x80;
            hi = 0xbf;
            if (c >= 0xc2 && c <= 0xdf) {
                need = 1;
            } else if (c >= 0xe0 && c <= 0xef) {
                need = 2;
                if (c == 0xe0)
                    lo = 0xa0;  // no overlong 3-byte forms
                else if (c == 0xed)
                    hi = 0x9f;  // no surrogates U+D800..DFFF
            } else if (c >= 0xf0 && c <= 0xf4) {
                need = 3;
                if (c == 0xf0)
                    lo = 0x90;  // no overlong 4-byte forms
                else if (c == 0xf4)
                    hi = 0x8f;  // nothing above U+10FFFF
            } else {
                failed_ = true;  // 80..C1 (stray continuation, overlong 2-byte), F5..FF
                return false;
            }
            // The whole sequence is here (the usual case): check it at once rather than
            // a byte per loop turn.
            if (end - p >= need) {
                if (p[0] < lo || p[0] > hi) {
                    failed_ = true;
                    return false;
                }
                for (std::uint8_t k = 1; k < need; ++k) {
                    if ((p[k] & 0xc0) != 0x80) {
                        failed_ = true;
                        return false;
                    }
                }
                p += need;
                need = 0;
            }
            continue;
        }
        unsigned char c = *p++;
        if (c < lo || c > hi) {
            failed_ = true;
            return false;
        }
        --need;
        lo = 0x80;
        hi = 0xbf;
    }
    need_ = need;
    lo_ = lo;
    hi_ = hi;
    return true;
}

bool is_valid_utf8(std::string_view text) noexcept {
    Utf8Validator v;
    return v.feed(text) && v.complete();
}

std::string_view utf8_prefix(std::string_view text, std::size_t max) noexcept {
    if (text.size() <= max) return text;
    std::size_t n = max;
    // Back up over continuation bytes to the start of the code point that would be cut.
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;
    return text.substr(0, n);
}

}  // namespace paasrun::http
