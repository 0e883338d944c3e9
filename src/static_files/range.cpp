#include "static_files/range.hpp"

#include <limits>

#include "util/strings.hpp"

namespace paasrun::static_files {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// 1*DIGIT, saturating at UINT64_MAX (a huge first-pos is valid syntax, just unsatisfiable).
bool parse_digits(std::string_view s, std::uint64_t& out) {
    if (s.empty()) return false;
    std::uint64_t n = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        auto d = static_cast<std::uint64_t>(c - '0');
        n = n > (kMax - d) / 10 ? kMax : n * 10 + d;
    }
    out = n;
    return true;
}

struct Spec {
    bool valid = false;
    bool satisfiable = false;
    ByteRange range;
};

// int-range = first-pos "-" [ last-pos ] ; suffix-range = "-" suffix-length
Spec parse_spec(std::string_view s, std::uint64_t length) {
    Spec spec;
    auto dash = s.find('-');
    if (dash == std::string_view::npos) return spec;
    auto first_text = s.substr(0, dash);
    auto last_text = s.substr(dash + 1);
    if (first_text.empty()) {  // suffix-range
        std::uint64_t n = 0;
        if (!parse_digits(last_text, n)) return spec;
        spec.valid = true;
        if (n == 0 || length == 0) return spec;
        spec.satisfiable = true;
        spec.range = {n >= length ? 0 : length - n, length - 1};
        return spec;
    }
    std::uint64_t first = 0, last = kMax;
    if (!parse_digits(first_text, first)) return spec;
    if (!last_text.empty() && !parse_digits(last_text, last)) return spec;
    if (last < first) return spec;  // RFC 9110 14.1.1: invalid
    spec.valid = true;
    if (first >= length) return spec;
    spec.satisfiable = true;
    spec.range = {first, last >= length ? length - 1 : last};
    return spec;
}

bool unit_is_bytes(std::string_view unit) {
    if (unit.size() != 5) return false;
    constexpr std::string_view kBytes = "bytes";
    for (std::size_t i = 0; i < 5; ++i) {
        char c = unit[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != kBytes[i]) return false;
    }
    return true;
}

}  // namespace

RangeResult evaluate_range(std::string_view header, std::uint64_t length) noexcept {
    RangeResult result;
    // An empty representation has no byte to select: answer it whole (200, as nginx does)
    // rather than 416, which clients may retry forever.
    if (length == 0) return result;
    auto eq = header.find('=');
    if (eq == std::string_view::npos || !unit_is_bytes(trim(header.substr(0, eq), kOws)))
        return result;
    std::string_view set = header.substr(eq + 1);
    int specs = 0, satisfiable = 0;
    ByteRange only;
    while (true) {
        auto comma = set.find(',');
        auto item = trim(set.substr(0, comma), kOws);
        if (!item.empty()) {  // RFC 9110 5.6.1: empty list elements are ignored
            auto spec = parse_spec(item, length);
            if (!spec.valid) return result;
            ++specs;
            if (spec.satisfiable) {
                ++satisfiable;
                only = spec.range;
            }
        }
        if (comma == std::string_view::npos) break;
        set.remove_prefix(comma + 1);
    }
    if (specs == 0) return result;
    if (satisfiable == 0) {
        result.kind = RangeKind::unsatisfiable;
    } else if (specs == 1) {
        result.kind = RangeKind::single;
        result.range = only;
    } else {
        result.kind = RangeKind::multiple;
    }
    return result;
}

}  // namespace paasrun::static_files
