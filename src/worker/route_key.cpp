#include "worker/route_key.hpp"

#include <cstring>

namespace paasrun::worker {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

}  // namespace

bool looks_like_id(std::string_view s) noexcept {
    if (s.empty()) return false;
    // Fast path, the common case (runs per request): a short segment is an id only when it is
    // all digits, so a word is rejected at its first letter.
    if (s.size() < kLongHex) {
        for (char c : s)
            if (!is_digit(c)) return false;
        return true;
    }
    bool digits = true, hex = true, alnum = true, any_digit = false, any_alpha = false;
    for (char c : s) {
        bool d = is_digit(c);
        digits = digits && d;
        hex = hex && is_hex(c);
        alnum = alnum && (d || is_alpha(c));
        any_digit = any_digit || d;
        any_alpha = any_alpha || is_alpha(c);
    }
    if (digits) return true;
    if (hex && s.size() >= kLongHex) return true;
    if (alnum && any_digit && any_alpha && s.size() >= kLongToken) return true;
    return is_uuid(s);
}

std::size_t route_key(std::string_view path, char* out, std::size_t cap) noexcept {
    std::size_t n = 0;
    auto put = [&](std::string_view part) {
        if (n + part.size() > cap) return false;
        std::memcpy(out + n, part.data(), part.size());
        n += part.size();
        return true;
    };
    std::size_t i = 0;
    while (i < path.size()) {
        auto slash = path.find('/', i);
        auto end = slash == std::string_view::npos ? path.size() : slash;
        auto seg = path.substr(i, end - i);
        if (!put(looks_like_id(seg) ? kIdSegment : seg)) return 0;
        if (slash == std::string_view::npos) break;
        if (!put("/")) return 0;
        i = slash + 1;
    }
    return n;
}

}  // namespace paasrun::worker
