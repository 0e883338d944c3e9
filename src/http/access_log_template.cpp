#include "http/access_log_template.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <ctime>

#include "http/request.hpp"

namespace paasrun::http {
namespace {

constexpr std::string_view kSimpleAtoms = "hlutrmUqHsBbfaTMDLp";

// An absent value is '-' (gunicorn's environ.get(..., '-')), except where gunicorn prints
// the empty string (%(q)s: QUERY_STRING is always in the environ).
void append_escaped(std::string& out, std::string_view s, bool dash_when_empty = true) {
    if (s.empty()) {
        if (dash_when_empty) out += '-';
        return;
    }
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c >= 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += ch;
        }
    }
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// The user of "Authorization: Basic base64(user:password)", as gunicorn's %(u)s; "" else.
std::string basic_auth_user(std::string_view auth) {
    if (auth.size() < 6 || !iequals(auth.substr(0, 6), "basic ")) return {};
    std::string decoded;
    unsigned acc = 0;
    int bits = 0;
    for (char c : auth.substr(6)) {
        if (c == '=') break;
        int v = base64_value(c);
        if (v < 0) return {};
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            decoded += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    auto colon = decoded.find(':');
    return colon == std::string::npos ? std::string() : decoded.substr(0, colon);
}

std::string clf_time_now() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[64];
    auto n = std::strftime(buf, sizeof buf, "[%d/%b/%Y:%H:%M:%S %z]", &tm);
    return std::string(buf, n);
}

}  // namespace

Result<AccessLogTemplate> AccessLogTemplate::compile(std::string_view format) {
    AccessLogTemplate t;
    std::string literal;
    auto flush = [&] {
        if (!literal.empty()) t.parts_.push_back({0, std::move(literal)});
        literal.clear();
    };
    for (std::size_t i = 0; i < format.size(); ++i) {
        char c = format[i];
        if (c != '%') {
            literal += c;
            continue;
        }
        if (i + 1 < format.size() && format[i + 1] == '%') {
            literal += '%';
            ++i;
            continue;
        }
        auto close = format.find(')', i);
        if (i + 1 >= format.size() || format[i + 1] != '(' || close == std::string_view::npos ||
            close + 1 >= format.size() || (format[close + 1] != 's' && format[close + 1] != 'd'))
            return Error(fmt::format("access log format: expected %(name)s at offset {}", i));
        auto name = format.substr(i + 2, close - i - 2);
        flush();
        if (name.size() == 1 && kSimpleAtoms.find(name[0]) != std::string_view::npos) {
            t.parts_.push_back({name[0], {}});
        } else if (name.size() >= 4 && name.front() == '{' && name[name.size() - 2] == '}' &&
                   (name.back() == 'i' || name.back() == 'o' || name.back() == 'e')) {
            t.parts_.push_back({name.back(), std::string(name.substr(1, name.size() - 3))});
        } else {
            return Error(
                fmt::format("access log format: unknown atom %({})s at offset {}", name, i));
        }
        i = close + 1;
    }
    flush();
    return t;
}

std::string AccessLogTemplate::render(const AccessLogEntry& e) const {
    std::string out;
    const double secs = e.duration_ms / 1000.0;
    for (const auto& p : parts_) {
        switch (p.atom) {
            case 0:
                out += p.text;
                break;
            case 'h':
                append_escaped(out, e.remote_addr);
                break;
            case 'l':
                out += '-';
                break;
            case 'u':
                append_escaped(out,
                               e.request ? basic_auth_user(e.request->find("Authorization")) : "");
                break;
            case 't':
                out += clf_time_now();
                break;
            case 'r': {
                std::string line = fmt::format("{} {} {}", e.method, e.target, e.protocol);
                append_escaped(out, line);
                break;
            }
            case 'm':
                append_escaped(out, e.method);
                break;
            case 'U':
                append_escaped(out, e.path);
                break;
            case 'q':
                append_escaped(out, e.query, false);
                break;
            case 'H':
                append_escaped(out, e.protocol);
                break;
            case 's':
                out += fmt::format("{}", e.status);
                break;
            case 'B':
                out += fmt::format("{}", e.bytes);
                break;
            case 'b':
                out += e.bytes ? fmt::format("{}", e.bytes) : std::string("-");
                break;
            case 'f':
                append_escaped(out, e.referer);
                break;
            case 'a':
                append_escaped(out, e.user_agent);
                break;
            case 'T':
                out += fmt::format("{}", static_cast<long long>(secs));
                break;
            case 'M':
                out += fmt::format("{}", static_cast<long long>(e.duration_ms));
                break;
            case 'D':
                out += fmt::format("{}", static_cast<long long>(e.duration_ms * 1000.0));
                break;
            case 'L':
                out += fmt::format("{:.6f}", secs);
                break;
            case 'p':
                out += fmt::format("<{}>", ::getpid());
                break;
            case 'i':
                append_escaped(out, e.request ? e.request->find(p.text) : "");
                break;
            case 'o':
                append_escaped(out, iequals(p.text, "x-request-id") ? e.request_id : "");
                break;
            default:
                out += '-';
                break;  // 'e': the environ is gone by now
        }
    }
    out += '\n';
    return out;
}

}  // namespace paasrun::http
