#include "admin/wire.hpp"

#include <fmt/format.h>

#include "http/percent.hpp"
#include "http/response_writer.hpp"

namespace paasrun::admin {

namespace {

std::string decode_query_part(std::string_view s) {
    std::string plus(s);
    for (char& c : plus)
        if (c == '+') c = ' ';
    std::string out;
    (void)http::percent_decode(plus, out);
    return out;
}

}  // namespace

ApiRequest to_api_request(const http::Request& head) {
    ApiRequest r;
    r.method = std::string(head.method);
    (void)http::percent_decode(head.path, r.path);
    std::string_view q = head.query;
    while (!q.empty()) {
        auto amp = q.find('&');
        auto pair = q.substr(0, amp);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            auto key = pair.substr(0, eq);
            auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
            r.query.emplace(decode_query_part(key), decode_query_part(value));
        }
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
    }
    r.authorization = std::string(head.find("Authorization"));
    r.content_type = std::string(head.find("Content-Type"));
    r.accept = std::string(head.find("Accept"));
    r.cookie = std::string(head.find("Cookie"));
    r.origin = std::string(head.find("Origin"));
    r.host = std::string(head.find("Host"));
    r.sec_fetch_site = std::string(head.find("Sec-Fetch-Site"));
    r.csrf_token = std::string(head.find("X-CSRF-Token"));
    r.forwarded_proto = std::string(head.find("X-Forwarded-Proto"));
    // The parser refuses an empty or invalid Content-Length, so a present field is non-empty.
    if (!head.find("Content-Length").empty()) r.content_length = head.content_length;
    r.chunked = head.framing == http::BodyFraming::chunked;
    return r;
}

std::size_t count_fields(const http::Request& head, std::string_view name) {
    std::size_t n = 0;
    for (const auto& h : head.headers())
        if (http::iequals(h.name, name)) ++n;
    return n;
}

std::string render_response(const ApiResponse& a, bool head_only, bool close) {
    std::string out =
        fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", a.status,
                    http::reason_phrase(a.status), a.content_type, a.body.size());
    for (const auto& [k, v] : a.headers) out += fmt::format("{}: {}\r\n", k, v);
    if (close) out += "Connection: close\r\n";
    out += "\r\n";
    if (!head_only) out += a.body;
    return out;
}

}  // namespace paasrun::admin
