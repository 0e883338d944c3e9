// Byte classes from RFC 9110 section 5.6 as 256-entry tables (internal to src/http).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

// Bytes allowed in a request-target: visible ASCII only. A URI is ASCII (RFC 3986 2, RFC 9112
// 3.2): raw UTF-8 or other bytes >= 0x80 must be percent-encoded by the client, so they get
// 400 like CTLs, SP and DEL (an external RFC 9110/9112 conformance run asked for this).
inline constexpr std::array<bool, 256> kTarget = [] {
    std::array<bool, 256> t{};
    for (int c = 0x21; c <= 0x7e; ++c) t[c] = true;  // no obs-text: a URI is ASCII (RFC 3986)
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

[[nodiscard]] constexpr bool is_token(char c) {
    return kToken[static_cast<unsigned char>(c)];
}
[[nodiscard]] constexpr bool is_ows(char c) {
    return c == ' ' || c == '\t';
}
[[nodiscard]] constexpr int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
[[nodiscard]] constexpr char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

/// First byte in [p, end) that may not appear in a field value (kFieldValue), or end.
/// The hot loop of the parser: 16 bytes at a time where SSE2 exists (all x86-64).
[[nodiscard]] inline const char* skip_field_value(const char* p, const char* end) {
#ifdef __SSE2__
    const __m128i k20 = _mm_set1_epi8(0x20);
    const __m128i k7f = _mm_set1_epi8(0x7f);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        __m128i printable = _mm_cmpeq_epi8(_mm_max_epu8(x, k20), x);  // x >= 0x20 (unsigned)
        __m128i del = _mm_cmpeq_epi8(x, k7f);
        int ok = _mm_movemask_epi8(_mm_andnot_si128(del, printable));
        if (ok == 0xffff) {
            p += 16;
            continue;
        }
        p += __builtin_ctz(static_cast<unsigned>(~ok));
        if (*p != '\t') return p;  // HTAB is the one control byte a value may hold
        ++p;
    }
#endif
    while (p < end && kFieldValue[static_cast<unsigned char>(*p)]) ++p;
    return p;
}

/// First byte in [p, end) that may not appear in a request-target (kTarget), or end.
[[nodiscard]] inline const char* skip_target(const char* p, const char* end) {
#ifdef __SSE2__
    const __m128i k20 = _mm_set1_epi8(0x20);
    const __m128i k7f = _mm_set1_epi8(0x7f);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        // Signed compare: 0x21..0x7f are above 0x20, bytes >= 0x80 are negative (not ASCII).
        __m128i visible = _mm_cmpgt_epi8(x, k20);
        __m128i del = _mm_cmpeq_epi8(x, k7f);
        int ok = _mm_movemask_epi8(_mm_andnot_si128(del, visible));
        if (ok != 0xffff) return p + __builtin_ctz(static_cast<unsigned>(~ok));
        p += 16;
    }
#endif
    while (p < end && kTarget[static_cast<unsigned char>(*p)]) ++p;
    return p;
}

}  // namespace paasrun::http::chars
