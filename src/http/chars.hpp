// Byte classes from RFC 9110 section 5.6 as 256-entry tables (internal to src/http).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace paasrun::http::chars {

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|"
//         / "~" / DIGIT / ALPHA
inline constexpr std::array<bool, 256> kToken = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (unsigned char c : std::string_view("!#$%&'*+-.^_`|~")) t[c] = true;
    return t;
}();

// Request methods: tchar without lowercase letters. Methods are case-sensitive (RFC 9110 9.1)
// and every registered one is uppercase; "get" or "-bl" is a probe, not a client.
inline constexpr std::array<bool, 256> kMethod = [] {
    std::array<bool, 256> t = kToken;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = false;
    return t;
}();

// field-vchar / SP / HTAB: VCHAR (0x21-0x7E), obs-text (0x80-0xFF), SP, HTAB.
inline constexpr std::array<bool, 256> kFieldValue = [] {
    std::array<bool, 256> t{};
    t['\t'] = true;
    for (int c = 0x20; c <= 0x7e; ++c) t[c] = true;
    for (int c = 0x80; c <= 0xff; ++c) t[c] = true;
    return t;
}();

// Bytes allowed in a request-target: visible ASCII and, like picohttpparser, obs-text (some
// clients send raw UTF-8). CTLs, SP and DEL are refused.
inline constexpr std::array<bool, 256> kTarget = [] {
    std::array<bool, 256> t{};
    for (int c = 0x21; c <= 0x7e; ++c) t[c] = true;
    for (int c = 0x80; c <= 0xff; ++c) t[c] = true;
    return t;
}();

// Host = uri-host [ ":" port ] (RFC 9110 7.2): unreserved / pct-encoded / sub-delims / ":"
// and the brackets of an IP-literal.
inline constexpr std::array<bool, 256> kHost = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (unsigned char c : std::string_view("-._~%!$&'()*+,;=:[]")) t[c] = true;
    return t;
}();

[[nodiscard]] constexpr bool is_token(char c) { return kToken[static_cast<unsigned char>(c)]; }
[[nodiscard]] constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }
[[nodiscard]] constexpr int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
[[nodiscard]] constexpr char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

}  // namespace paasrun::http::chars
