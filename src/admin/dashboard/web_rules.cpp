#include "admin/dashboard/web_rules.hpp"

#include <fmt/format.h>

#include "util/strings.hpp"

namespace paasrun::admin::dashboard {

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
    // RFC 6265 5.4: pairs separated by "; ". Lenient about spaces, strict about the name.
    while (!header.empty()) {
        auto semi = header.find(';');
        auto pair = trim(header.substr(0, semi), " \t");
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && trim(pair.substr(0, eq), " \t") == name) {
            auto v = trim(pair.substr(eq + 1), " \t");
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
            return v;
        }
        if (semi == std::string_view::npos) break;
        header.remove_prefix(semi + 1);
    }
    return std::nullopt;
}

bool forwarded_https(std::string_view forwarded_proto) {
    auto first = trim(forwarded_proto.substr(0, forwarded_proto.find(',')), " \t");
    return iequals(first, "https");
}

std::string session_cookie(std::string_view id, std::chrono::seconds max_age, bool secure) {
    return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kCookieName, id,
                       max_age.count(), secure ? "; Secure" : "");
}

std::string clear_session_cookie(bool secure) {
    return fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}", kCookieName,
                       secure ? "; Secure" : "");
}

bool state_changing(std::string_view method) {
    return method != "GET" && method != "HEAD";
}

bool same_origin(const ApiRequest& r) {
    if (!r.sec_fetch_site.empty() && r.sec_fetch_site != "same-origin" &&
        r.sec_fetch_site != "none")
        return false;
    if (r.origin.empty()) return true;
    // "null" (sandboxed frames, some redirects) names no origin: refused.
    auto scheme_end = r.origin.find("://");
    if (scheme_end == std::string::npos) return false;
    auto authority = std::string_view(r.origin).substr(scheme_end + 3);
    return !r.host.empty() && iequals(authority, r.host);
}

std::vector<std::pair<std::string, std::string>> security_headers(bool page) {
    return {
        {"Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "connect-src 'self'; "
         "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
        {"X-Frame-Options", "DENY"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"Cross-Origin-Opener-Policy", "same-origin"},
        {"Cross-Origin-Resource-Policy", "same-origin"},
        {"Cache-Control", page ? "no-store" : "no-cache"},
    };
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace paasrun::admin::dashboard
