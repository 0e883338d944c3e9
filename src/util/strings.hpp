// Small text helpers every module needs: trimming, ASCII case-insensitive comparison and
// whole-string integer parsing. One definition each, so "what counts as whitespace" or "does
// `+5` parse" has one answer per call site, chosen by an argument rather than by a private copy.
#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>
#include <system_error>

namespace paasrun {

/// RFC 9110's optional whitespace (OWS): space and horizontal tab. HTTP field values, lists
/// and the config scalars use it; a bare CR or LF there is content, not padding.
inline constexpr std::string_view kOws = " \t";
/// What std::isspace matches in the C locale: for lines read from files.
inline constexpr std::string_view kWhitespace = " \t\n\v\f\r";

/// `s` without leading and trailing characters from `chars`.
[[nodiscard]] std::string_view trim(std::string_view s,
                                    std::string_view chars = kWhitespace) noexcept;

/// ASCII lowercase of one byte; every other byte is itself (no locale).
[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII case-insensitive equality (field names, tokens, config words); no locale. Inline:
/// the HTTP parser calls it for every header field.
[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

/// The whole of `s` as a decimal integer of type Int: no sign for an unsigned Int, an optional
/// '-' for a signed one, never '+', spaces or a trailing byte; nullopt when it does not fit.
template <std::integral Int>
[[nodiscard]] std::optional<Int> parse_int(std::string_view s) noexcept {
    Int value{};
    if (s.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

/// The same, into `out` (left unchanged on failure): for struct fields parsed in a row,
/// `if (!parse_int(text, opts.port) || opts.port == 0) return error;`.
template <std::integral Int>
[[nodiscard]] bool parse_int(std::string_view s, Int& out) noexcept {
    auto value = parse_int<Int>(s);
    if (value) out = *value;
    return value.has_value();
}

}  // namespace paasrun
