// The Range request header (RFC 9110 14.1-14.2), reduced to what a static server answers.
//
//   absent, not "bytes", or any range-spec syntactically invalid -> ignored (200, whole file:
//     RFC 9110 14.2 "a server MAY ignore the Range header field");
//   one satisfiable range       -> 206 with that range (last-pos clamped to the end);
//   one unsatisfiable range     -> 416 (first-pos >= length, or "-0");
//   an empty representation     -> ignored (200 with no body, as nginx answers);
//   several ranges, one or more satisfiable -> 200 with the whole file. Deliberate: a
//     multipart/byteranges body buys nothing for assets, costs a second code path, and has
//     been an amplification vector (CVE-2011-3192, Apache "Range: bytes=0-,0-,0-...");
//   several ranges, none satisfiable -> 416.
// Pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace paasrun::static_files {

struct ByteRange {
    std::uint64_t first = 0;  // inclusive
    std::uint64_t last = 0;   // inclusive; first <= last < length
    [[nodiscard]] std::uint64_t length() const { return last - first + 1; }
};

enum class RangeKind : std::uint8_t { ignore, single, unsatisfiable, multiple };

struct RangeResult {
    RangeKind kind = RangeKind::ignore;
    ByteRange range;  // meaningful for single
};

/// Evaluates a Range field value against a representation of `length` bytes.
[[nodiscard]] RangeResult evaluate_range(std::string_view header, std::uint64_t length) noexcept;

}  // namespace paasrun::static_files
