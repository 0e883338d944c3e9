// Choosing between a file and its precompressed siblings by Accept-Encoding (RFC 9110 12.5.3).
//
//   - codings are case-insensitive; "x-gzip" is gzip (RFC 9110 8.4.1.3);
//   - each coding's weight is its own q (default 1), else the q of "*", else 0 — except
//     identity, whose weight without either is 1: it is acceptable unless "identity;q=0"
//     or "*;q=0" excludes it;
//   - a malformed element (bad qvalue) is skipped, the rest of the field still counts;
//   - the highest weight wins; among equal weights the smallest file (br is usually smaller
//     than gzip; whitenoise's rule); when nothing is acceptable, identity anyway (RFC 9110
//     allows ignoring the field rather than answering 406);
//   - no field, or an empty one: identity.
// Pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace paasrun::static_files {

enum class Coding : std::uint8_t { identity = 0, gzip = 1, br = 2 };
inline constexpr int kCodingCount = 3;

/// "identity" / "gzip" / "br" (the Content-Encoding token; identity is never sent).
[[nodiscard]] std::string_view coding_name(Coding c) noexcept;
/// ".gz" / ".br" sibling suffix ("" for identity).
[[nodiscard]] std::string_view coding_suffix(Coding c) noexcept;

/// Weights in thousandths (q=0.5 -> 500) for each coding, indexed by Coding.
struct CodingWeights {
    int q[kCodingCount] = {1000, 0, 0};
};

/// Weights from an Accept-Encoding field value (absent and empty are the same).
[[nodiscard]] CodingWeights parse_accept_encoding(std::string_view field) noexcept;

/// The coding to send. `available[c]` says whether that variant exists, `size[c]` its size
/// (identity is always available).
[[nodiscard]] Coding choose_coding(const CodingWeights& w, const bool (&available)[kCodingCount],
                                   const std::uint64_t (&size)[kCodingCount]) noexcept;

}  // namespace paasrun::static_files
