#include "http/request_parser.hpp"

#include <algorithm>

#include "http/chars.hpp"
#include "http/field_list.hpp"

namespace paasrun::http {
namespace {

using chars::is_ows;
using chars::is_token;

constexpr unsigned char uc(char c) {
    return static_cast<unsigned char>(c);
}

ParseResult error(ParseError e) {
    return {ParseStatus::error, e, 0};
}
ParseResult incomplete() {
    return {ParseStatus::incomplete, ParseError::none, 0};
}

void reset(Request& r) noexcept {
    r.method = r.target = r.path = r.query = r.fragment = {};
    r.host = r.scheme = {};
    r.version = Version::http11;
    r.absolute_form = r.has_host = false;
    r.framing = BodyFraming::none;
    r.content_length = 0;
    r.keep_alive = true;
    r.expect_continue = r.upgrade = false;
    r.header_count = 0;
    r.dropped_count = 0;
}

// The error for a byte that may not appear where it was found: line-ending mistakes and NUL
// get their own codes because they are the usual smuggling probes.
ParseError classify_bad_byte(const char* p, const char* end, ParseError otherwise) {
    if (*p == '\0') return ParseError::nul_byte;
    if (*p == '\n') return ParseError::bare_lf;
    if (*p == '\r' && p + 1 < end && p[1] != '\n') return ParseError::bare_cr;
    return otherwise;
}

// Facts gathered from the fields while scanning them; turned into framing at the end.
struct FieldFacts {
    int content_length_fields = 0;
    bool content_length_list = false;
    bool content_length_invalid = false;
    std::uint64_t content_length = 0;
    bool transfer_encoding = false;
    bool te_empty = true;          // no coding seen in any Transfer-Encoding field
    bool te_chunked_last = false;  // the last coding seen so far is chunked
    int te_chunked_count = 0;
    int te_codings = 0;
    bool te_bad_syntax = false;
    bool conn_close = false;
    bool conn_keep_alive = false;
    bool conn_upgrade = false;
    bool has_upgrade_field = false;
    bool expect_continue = false;
    int content_type_fields = 0;
    int host_fields = 0;
    bool host_invalid = false;
    std::string_view host;
};

// Content-Length = 1*DIGIT (RFC 9110 8.6). Lists ("5, 5") are refused even when the values
// agree: being strict costs nothing with real clients and removes a smuggling vector.
void note_content_length(std::string_view v, FieldFacts& f) {
    ++f.content_length_fields;
    if (v.find(',') != std::string_view::npos) {
        f.content_length_list = true;
        return;
    }
    if (v.empty() || v.size() > 19) {  // 19 digits always fit in uint64
        f.content_length_invalid = true;
        return;
    }
    std::uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') {
            f.content_length_invalid = true;
            return;
        }
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    f.content_length = n;
}

// transfer-coding = token *( OWS ";" OWS transfer-parameter ); only the name matters here.
void note_transfer_encoding(std::string_view v, FieldFacts& f) {
    f.transfer_encoding = true;
    for_each_list_element(v, [&](std::string_view elem) {
        auto name = elem.substr(0, elem.find(';'));
        while (!name.empty() && is_ows(name.back())) name.remove_suffix(1);
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_token)) {
            f.te_bad_syntax = true;
            return;
        }
        f.te_empty = false;
        ++f.te_codings;
        bool chunked = iequals(name, "chunked");
        // chunked with parameters is not defined: treat it as not understood.
        if (chunked && name.size() != elem.size()) f.te_bad_syntax = true;
        f.te_chunked_last = chunked;
        if (chunked) ++f.te_chunked_count;
    });
}

void note_connection(std::string_view v, FieldFacts& f) {
    for_each_list_element(v, [&](std::string_view token) {
        if (iequals(token, "close"))
            f.conn_close = true;
        else if (iequals(token, "keep-alive"))
            f.conn_keep_alive = true;
        else if (iequals(token, "upgrade"))
            f.conn_upgrade = true;
    });
}

void note_host(std::string_view v, FieldFacts& f) {
    ++f.host_fields;
    f.host = v;
    for (char c : v)
        if (!chars::kHost[uc(c)]) f.host_invalid = true;
}

// Dispatches on the field name; only the fields that change framing or connection state
// are interpreted, the rest are just stored.
void note_field(std::string_view name, std::string_view value, FieldFacts& f) {
    switch (name.size()) {
        case 4:
            if (iequals(name, "host")) note_host(value, f);
            return;
        case 6:
            if (iequals(name, "expect") && iequals(value, "100-continue")) f.expect_continue = true;
            return;
        case 7:
            if (iequals(name, "upgrade")) f.has_upgrade_field = true;
            return;
        case 10:
            if (iequals(name, "connection")) note_connection(value, f);
            return;
        case 12:
            if (iequals(name, "content-type")) ++f.content_type_fields;
            return;
        case 14:
            if (iequals(name, "content-length")) note_content_length(value, f);
            return;
        case 17:
            if (iequals(name, "transfer-encoding")) note_transfer_encoding(value, f);
            return;
        default:
            return;
    }
}

// Splits the target into path, query, fragment and recognises the absolute and asterisk
// forms (RFC 9112 3.2).
ParseError split_target(Request& r) {
    std::string_view t = r.target;
    if (t == "*") {
        if (r.method != "OPTIONS") return ParseError::bad_target;
        r.path = t;
        return ParseError::none;
    }
    if (r.method == "CONNECT") {
        // authority-form: host:port. Nothing here proxies; the worker answers it.
        for (char c : t)
            if (!chars::kHost[uc(c)]) return ParseError::bad_target;
        r.host = t;
        return ParseError::none;
    }
    if (t.front() != '/') {
        std::size_t scheme_len = 0;
        if (t.size() >= 7 && iequals(t.substr(0, 7), "http://"))
            scheme_len = 4;
        else if (t.size() >= 8 && iequals(t.substr(0, 8), "https://"))
            scheme_len = 5;
        else
            return ParseError::bad_target;
        r.scheme = t.substr(0, scheme_len);
        auto rest = t.substr(scheme_len + 3);
        auto auth_end = std::min(rest.find_first_of("/?#"), rest.size());
        r.host = rest.substr(0, auth_end);
        if (r.host.empty()) return ParseError::bad_target;
        for (char c : r.host)
            if (!chars::kHost[uc(c)]) return ParseError::bad_target;
        r.absolute_form = true;
        t = rest.substr(auth_end);
        // "http://h" and "http://h?q" have an empty path; origin-form requires "/" (3.2.1).
        if (t.empty() || t.front() != '/') {
            r.path = "/";
            if (t.empty()) return ParseError::none;
            if (t.front() == '?')
                r.query = t.substr(1);
            else
                r.fragment = t.substr(1);
            if (auto hash = r.query.find('#'); hash != std::string_view::npos) {
                r.fragment = r.query.substr(hash + 1);
                r.query = r.query.substr(0, hash);
            }
            return ParseError::none;
        }
    }
    auto hash = t.find('#');
    if (hash != std::string_view::npos) {
        r.fragment = t.substr(hash + 1);
        t = t.substr(0, hash);
    }
    auto q = t.find('?');
    if (q != std::string_view::npos) {
        r.query = t.substr(q + 1);
        t = t.substr(0, q);
    }
    r.path = t;
    return ParseError::none;
}

// Turns the gathered facts into framing, keep-alive and expectations (RFC 9112 6.3, 9.3).
ParseError finish(Request& r, const FieldFacts& f, const Limits& limits) {
    if (f.host_fields > 1) return ParseError::duplicate_host;
    if (f.host_invalid) return ParseError::bad_host;
    // RFC 9112 3.2: "A server MUST respond with a 400 (Bad Request) status code to any
    // HTTP/1.1 request message that lacks a Host header field" (absolute-form included).
    if (r.version == Version::http11 && f.host_fields == 0) return ParseError::missing_host;
    if (f.content_type_fields > 1) return ParseError::duplicate_content_type;
    r.has_host = f.host_fields == 1;
    if (!r.absolute_form && r.host.empty()) r.host = f.host;

    if (f.content_length_fields > 1 || f.content_length_list)
        return ParseError::duplicate_content_length;
    if (f.content_length_invalid) return ParseError::invalid_content_length;
    if (f.transfer_encoding) {
        // 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; 6.3: with Content-Length
        // it is a smuggling attempt: refuse both and close.
        if (r.version == Version::http10) return ParseError::bad_transfer_encoding;
        if (f.content_length_fields > 0) return ParseError::content_length_with_transfer_encoding;
        if (f.te_bad_syntax || f.te_empty) return ParseError::bad_transfer_encoding;
        // 6.3: chunked not final in a request -> 400; chunked twice is also malformed.
        if (!f.te_chunked_last || f.te_chunked_count != 1) return ParseError::bad_transfer_encoding;
        // chunked is final but another coding (gzip, ...) comes first: we do not decode it.
        if (f.te_codings != 1) return ParseError::unsupported_transfer_encoding;
        r.framing = BodyFraming::chunked;
    } else if (f.content_length_fields == 1) {
        if (f.content_length > limits.max_body) return ParseError::body_too_large;
        r.content_length = f.content_length;
        if (f.content_length > 0) r.framing = BodyFraming::content_length;
    }

    if (r.version == Version::http11)
        r.keep_alive = !f.conn_close;
    else
        r.keep_alive = f.conn_keep_alive && !f.conn_close;
    r.expect_continue = f.expect_continue && r.framing != BodyFraming::none;
    r.upgrade = f.conn_upgrade && f.has_upgrade_field;
    // CONNECT asks for a tunnel, which only a proxy provides; a 2xx answer to it would also
    // have to be sent without Content-Length or body framing (RFC 9110 9.3.6), which a WSGI
    // app cannot express. The head is still parsed in full (a malformed one gets its 400).
    if (r.method == "CONNECT") return ParseError::connect_refused;
    return ParseError::none;
}

// Parses "HTTP/" DIGIT "." DIGIT at p (8 bytes available). RFC 9110 6.2: a higher minor
// version of HTTP/1 (1.2 ... 1.9) is processed as 1.1, the highest we speak; another major
// version (0.9, 2.0, ...) gets 505.
ParseError parse_version(const char* p, Version& v) {
    if (std::string_view(p, 5) != "HTTP/" || p[6] != '.') return ParseError::bad_version;
    if (p[5] < '0' || p[5] > '9' || p[7] < '0' || p[7] > '9') return ParseError::bad_version;
    if (p[5] != '1') return ParseError::unsupported_version;
    v = p[7] == '0' ? Version::http10 : Version::http11;
    return ParseError::none;
}

// Whether `have` bytes at p could still become a valid "HTTP/d.d" prefix.
bool version_prefix_ok(const char* p, std::size_t have) {
    constexpr std::string_view kPrefix = "HTTP/";
    for (std::size_t i = 0; i < have && i < 8; ++i) {
        char c = p[i];
        if (i < 5 && c != kPrefix[i]) return false;
        if ((i == 5 || i == 7) && (c < '0' || c > '9')) return false;
        if (i == 6 && c != '.') return false;
    }
    return true;
}

}  // namespace

std::string_view Request::find(std::string_view name) const noexcept {
    for (const auto& h : headers())
        if (iequals(h.name, name)) return h.value;
    return {};
}

ParseResult parse_request_head(std::string_view buffer, Request& out,
                               const Limits& limits) noexcept {
    reset(out);
    const char* const begin = buffer.data();
    const char* const end = begin + buffer.size();
    const char* p = begin;

    // RFC 9112 2.2: ignore empty lines before the request line. They count towards the
    // request-line limit, so an endless stream of CRLF still ends in a 414.
    while (p < end && (*p == '\r' || *p == '\n')) {
        if (*p == '\n') return error(ParseError::bare_lf);
        if (p + 1 == end) return incomplete();
        if (p[1] != '\n') return error(ParseError::bare_cr);
        p += 2;
    }
    const char* const line_start = p;
    auto line_too_long = [&](const char* at) {
        return static_cast<std::size_t>(at - begin) > limits.max_request_line;
    };
    auto partial_line = [&]() {
        return line_too_long(end) ? error(ParseError::request_line_too_long) : incomplete();
    };

    // method = token (uppercase, see chars::kMethod), then exactly one SP.
    while (p < end && chars::kMethod[uc(*p)]) ++p;
    if (static_cast<std::size_t>(p - line_start) > kMaxMethodLength)
        return error(ParseError::method_too_long);
    if (p == end) return partial_line();
    if (p == line_start || *p != ' ') {
        if (p != line_start && (*p == '\r' || *p == '\n'))
            return error(ParseError::bad_request_line);
        return error(classify_bad_byte(p, end, ParseError::bad_method));
    }
    out.method = {line_start, static_cast<std::size_t>(p - line_start)};
    ++p;

    // request-target, then exactly one SP.
    const char* t = p;
    p = chars::skip_target(p, end);
    if (p == end) return partial_line();
    if (p == t) {
        if (*p == ' ') return error(ParseError::bad_target);  // empty target or double SP
        return error(classify_bad_byte(p, end, ParseError::bad_target));
    }
    if (*p != ' ') {
        if (*p == '\r' || *p == '\n') return error(ParseError::bad_request_line);  // HTTP/0.9
        return error(classify_bad_byte(p, end, ParseError::bad_target));
    }
    out.target = {t, static_cast<std::size_t>(p - t)};
    ++p;

    // HTTP-version CRLF
    std::size_t have = static_cast<std::size_t>(end - p);
    if (have < 8) {
        if (!version_prefix_ok(p, have)) return error(ParseError::bad_version);
        return partial_line();
    }
    if (auto e = parse_version(p, out.version); e != ParseError::none) return error(e);
    p += 8;
    if (line_too_long(p)) return error(ParseError::request_line_too_long);
    if (p == end) return incomplete();
    if (*p != '\r') return error(*p == '\n' ? ParseError::bare_lf : ParseError::bad_request_line);
    if (p + 1 == end) return incomplete();
    if (p[1] != '\n') return error(ParseError::bare_cr);
    p += 2;
    if (auto e = split_target(out); e != ParseError::none) return error(e);

    FieldFacts facts;
    const std::size_t max_fields = std::min(limits.max_header_fields, kHeaderCapacity);
    std::size_t field_lines = 0;
    for (;;) {
        if (p == end) return incomplete();
        const char* ls = p;
        if (*p == '\r') {
            if (p + 1 == end) return incomplete();
            if (p[1] != '\n') return error(ParseError::bare_cr);
            p += 2;
            break;  // end of the head
        }
        // RFC 9112 5.2: obs-fold is refused; so is whitespace before the first field (2.2).
        if (is_ows(*p)) return error(ParseError::obs_fold);
        if (++field_lines > max_fields) return error(ParseError::too_many_headers);
        auto field_too_long = [&](const char* at) {
            return static_cast<std::size_t>(at - ls) > limits.max_field_size;
        };

        // field-name = token, then ':' with no whitespace in between (RFC 9112 5.1).
        bool underscore = false;
        while (p < end && is_token(*p)) {
            underscore |= *p == '_';
            ++p;
        }
        if (p == end)
            return field_too_long(end) ? error(ParseError::header_too_large) : incomplete();
        if (*p != ':') {
            if (p != ls && is_ows(*p)) return error(ParseError::whitespace_before_colon);
            return error(classify_bad_byte(p, end, ParseError::bad_header_name));
        }
        if (p == ls) return error(ParseError::bad_header_name);
        std::string_view name{ls, static_cast<std::size_t>(p - ls)};
        ++p;

        // field-value with surrounding OWS removed.
        while (p < end && is_ows(*p)) ++p;
        const char* vs = p;
        p = chars::skip_field_value(p, end);
        if (p == end)
            return field_too_long(end) ? error(ParseError::header_too_large) : incomplete();
        if (*p != '\r') return error(classify_bad_byte(p, end, ParseError::bad_header_value));
        if (field_too_long(p)) return error(ParseError::header_too_large);
        if (p + 1 == end) return incomplete();
        if (p[1] != '\n') return error(ParseError::bare_cr);
        const char* ve = p;
        while (ve > vs && is_ows(ve[-1])) --ve;
        std::string_view value{vs, static_cast<std::size_t>(ve - vs)};
        p += 2;

        if (underscore) {
            // CVE-2015-0219: drop, never forward, never interpret.
            if (out.dropped_count < kDroppedNamesKept) out.dropped_names[out.dropped_count] = name;
            ++out.dropped_count;
            continue;
        }
        out.header_storage[out.header_count++] = Header{name, value};
        note_field(name, value, facts);
    }

    if (auto e = finish(out, facts, limits); e != ParseError::none) return error(e);
    return {ParseStatus::complete, ParseError::none, static_cast<std::size_t>(p - begin)};
}

}  // namespace paasrun::http
