// Text-to-number conversions shared by the manifest and environment-variable settings, so
// `workers: 4` in paasrun.yaml and WEB_CONCURRENCY=4 in the environment accept the same
// spellings. Pure; std::nullopt means "not a value of this kind" (callers word the error).
#pragma once

#include <optional>
#include <string_view>

namespace paasrun::config {

/// A decimal integer with an optional sign ("42", "-1", "+7"); no spaces, no fractions.
[[nodiscard]] std::optional<long long> parse_integer(std::string_view text);

/// A finite decimal number ("30", "2.5", "1e3"); no inf/nan.
[[nodiscard]] std::optional<double> parse_number(std::string_view text);

/// A duration in seconds: a number ("30", "0.5") or a number with a unit ms, s, m or h
/// ("500ms", "2m", "1.5 h").
[[nodiscard]] std::optional<double> parse_duration(std::string_view text);

/// A size in bytes: an integer, or a number with a unit (case-insensitive) B, K/KB/KiB,
/// M/MB/MiB, G/GB/GiB. Units are powers of 1024 as in nginx's `client_max_body_size 10m`.
/// Fails on overflow and on a fractional number of bytes.
[[nodiscard]] std::optional<long long> parse_size(std::string_view text);

}  // namespace paasrun::config
