#include "wsgi/wire_rules.hpp"

#include <array>

namespace paasrun::wsgi {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char ascii_upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

constexpr std::array<bool, 256> make_tchar() {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}
constexpr auto kTchar = make_tchar();

}  // namespace

void percent_decode_path(std::string_view raw, std::string& out) {
    out.clear();
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%' && i + 2 < raw.size()) {
            int hi = hex_value(raw[i + 1]);
            int lo = hex_value(raw[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>((hi << 4) | lo));
                i += 2;
                continue;
            }
        }
        out.push_back(c);
    }
}

std::optional<std::string_view> strip_script_name(std::string_view path,
                                                  std::string_view script_name) {
    if (script_name.empty()) return path;
    if (!path.starts_with(script_name)) return std::nullopt;
    std::string_view rest = path.substr(script_name.size());
    if (!rest.empty() && rest.front() != '/') return std::nullopt;  // "/app" vs "/apple"
    return rest;
}

void environ_key(std::string_view header_name, std::string& out) {
    out.clear();
    if (iequals(header_name, "content-type")) {
        out = "CONTENT_TYPE";
        return;
    }
    if (iequals(header_name, "content-length")) {
        out = "CONTENT_LENGTH";
        return;
    }
    out.reserve(5 + header_name.size());
    out = "HTTP_";
    for (char c : header_name) out.push_back(c == '-' ? '_' : ascii_upper(c));
}

std::string_view join_separator(std::string_view key) {
    return key == "HTTP_COOKIE" ? std::string_view("; ") : std::string_view(", ");
}

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!kTchar[c]) return false;
    return true;
}

bool is_valid_field_value(std::string_view s) {
    for (unsigned char c : s) {
        if (c == '\t') continue;
        if (c < 0x20 || c == 0x7f) return false;
    }
    return true;
}

bool is_hop_by_hop(std::string_view name) {
    static constexpr std::array<std::string_view, 9> kHop{
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te",         "trailer",    "trailers",           "transfer-encoding",
        "upgrade"};
    for (auto h : kHop)
        if (iequals(name, h)) return true;
    return false;
}

std::optional<int> parse_status(std::string_view status) {
    if (status.size() < 3) return std::nullopt;
    int code = 0;
    for (int i = 0; i < 3; ++i) {
        char c = status[static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') return std::nullopt;
        code = code * 10 + (c - '0');
    }
    if (code < 100) return std::nullopt;
    if (status.size() == 3) return code;
    if (status[3] != ' ') return std::nullopt;
    if (!is_valid_field_value(status.substr(4))) return std::nullopt;
    return code;
}

std::optional<std::uint64_t> parse_content_length(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;  // 19 digits always fit uint64
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

}  // namespace paasrun::wsgi
