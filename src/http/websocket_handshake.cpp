#include "http/websocket_handshake.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/detail/sha1.hpp>
#include <vector>

#include "http/chars.hpp"
#include "http/field_list.hpp"
#include "http/response_writer.hpp"

namespace paasrun::http::ws {
namespace {

using chars::is_ows;
using chars::is_token;

bool is_token_string(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_token(c)) return false;
    return true;
}

bool list_has(std::string_view value, std::string_view token) {
    bool found = false;
    for_each_list_element(value, [&](std::string_view e) { found |= iequals(e, token); });
    return found;
}

constexpr bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

void skip_ows(std::string_view& s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
}

// A token at the start of `s`, removed from it; empty when there is none.
std::string_view take_token(std::string_view& s) {
    std::size_t n = 0;
    while (n < s.size() && is_token(s[n])) ++n;
    auto t = s.substr(0, n);
    s.remove_prefix(n);
    return t;
}

// A quoted-string at the start of `s` (starting with '"') whose unescaped content is a token;
// returns the inside, escapes kept. False on bad syntax.
bool take_quoted_token(std::string_view& s, std::string_view& inside) {
    std::size_t i = 1;
    while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\') ++i;  // quoted-pair: the next character stands for itself
        if (i >= s.size() || !is_token(s[i])) return false;
        ++i;
    }
    if (i >= s.size() || i == 1) return false;  // unterminated, or "" (not a token)
    inside = s.substr(1, i - 1);
    s.remove_prefix(i + 1);
    return true;
}

}  // namespace

int status_for(HandshakeError e) noexcept {
    switch (e) {
        case HandshakeError::none:
            return 0;
        case HandshakeError::unsupported_version:
            return 426;
        default:
            return 400;
    }
}

std::string_view describe(HandshakeError e) noexcept {
    switch (e) {
        case HandshakeError::none:
            return "none";
        case HandshakeError::not_get:
            return "websocket_not_get";
        case HandshakeError::not_http11:
            return "websocket_not_http11";
        case HandshakeError::has_body:
            return "websocket_has_body";
        case HandshakeError::no_upgrade_websocket:
            return "websocket_no_upgrade";
        case HandshakeError::no_connection_upgrade:
            return "websocket_no_connection_upgrade";
        case HandshakeError::missing_key:
            return "websocket_missing_key";
        case HandshakeError::duplicate_key:
            return "websocket_duplicate_key";
        case HandshakeError::bad_key:
            return "websocket_bad_key";
        case HandshakeError::unsupported_version:
            return "websocket_unsupported_version";
        case HandshakeError::bad_subprotocols:
            return "websocket_bad_subprotocols";
        case HandshakeError::too_many_subprotocols:
            return "websocket_too_many_subprotocols";
        case HandshakeError::bad_extensions:
            return "websocket_bad_extensions";
    }
    return "unknown";
}

std::string_view describe(UpgradeError e) noexcept {
    switch (e) {
        case UpgradeError::none:
            return "none";
        case UpgradeError::subprotocol_not_offered:
            return "subprotocol_not_offered";
        case UpgradeError::bad_header_name:
            return "bad_header_name";
        case UpgradeError::bad_header_value:
            return "bad_header_value";
    }
    return "unknown";
}

bool Handshake::offers_subprotocol(std::string_view name) const noexcept {
    for (auto p : subprotocols())
        if (p == name) return true;  // subprotocol names are case-sensitive (RFC 6455 11.5)
    return false;
}

bool is_websocket_request(const Request& req) noexcept {
    if (!req.upgrade || req.version != Version::http11) return false;
    for (const auto& h : req.headers())
        if (iequals(h.name, "upgrade") && list_has(h.value, "websocket")) return true;
    return false;
}

bool is_valid_key(std::string_view key) noexcept {
    if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
    for (std::size_t i = 0; i < 22; ++i)
        if (!is_base64_char(key[i])) return false;
    return true;
}

HandshakeError check_handshake(const Request& req, Handshake& out) noexcept {
    out = Handshake{};
    if (req.method != "GET") return HandshakeError::not_get;
    if (req.version != Version::http11) return HandshakeError::not_http11;
    if (req.framing == BodyFraming::chunked ||
        (req.framing == BodyFraming::content_length && req.content_length != 0))
        return HandshakeError::has_body;

    bool upgrade_websocket = false, connection_upgrade = false;
    int keys = 0, versions = 0;
    std::string_view version;
    bool bad_protocols = false, too_many = false, bad_extensions = false;
    for (const auto& h : req.headers()) {
        const auto name = h.name;
        if (iequals(name, "upgrade")) {
            upgrade_websocket |= list_has(h.value, "websocket");
        } else if (iequals(name, "connection")) {
            connection_upgrade |= list_has(h.value, "upgrade");
        } else if (iequals(name, "origin")) {
            if (out.origin.empty()) out.origin = h.value;
        } else if (name.size() > 14 && iequals(name.substr(0, 14), "sec-websocket-")) {
            const auto rest = name.substr(14);
            if (iequals(rest, "key")) {
                ++keys;
                out.key = h.value;
            } else if (iequals(rest, "version")) {
                ++versions;
                version = h.value;
            } else if (iequals(rest, "protocol")) {
                // An empty value is taken as an empty list (RFC 9110 5.6.1 asks recipients to
                // ignore empty elements; python3-websockets sends empty fields).
                for_each_list_element(h.value, [&](std::string_view p) {
                    if (!is_token_string(p)) {
                        bad_protocols = true;
                    } else if (out.subprotocol_count == kMaxSubprotocols) {
                        too_many = true;
                    } else {
                        out.subprotocol_storage[out.subprotocol_count++] = p;
                    }
                });
            } else if (iequals(rest, "extensions")) {
                ExtensionParser parser(h.value);
                Extension e;
                std::size_t count = 0;
                while (parser.next(e)) ++count;
                // An empty field (python3-websockets 10 sends one when it offers nothing)
                // offers nothing, as an empty list.
                if (parser.failed()) bad_extensions = true;
                if (count != 0) out.has_extensions = true;
            }
        }
    }
    if (!upgrade_websocket) return HandshakeError::no_upgrade_websocket;
    if (!connection_upgrade) return HandshakeError::no_connection_upgrade;
    if (keys == 0) return HandshakeError::missing_key;
    if (keys > 1) return HandshakeError::duplicate_key;
    if (!is_valid_key(out.key)) return HandshakeError::bad_key;
    // One version field saying 13. A list ("13, 8") is what a server answers with, not what
    // a client sends: refused like any other version.
    if (versions != 1 || version != "13") return HandshakeError::unsupported_version;
    if (bad_protocols) return HandshakeError::bad_subprotocols;
    if (too_many) return HandshakeError::too_many_subprotocols;
    if (bad_extensions) return HandshakeError::bad_extensions;
    return HandshakeError::none;
}

std::array<char, 28> accept_key(std::string_view key) noexcept {
    namespace detail = boost::beast::detail;
    detail::sha1_context ctx;
    detail::init(ctx);
    detail::update(ctx, key.data(), key.size());
    detail::update(ctx, kHandshakeGuid.data(), kHandshakeGuid.size());
    unsigned char digest[detail::sha1_context::digest_size];
    detail::finish(ctx, digest);
    std::array<char, 28> out{};
    detail::base64::encode(out.data(), digest, sizeof digest);  // 20 bytes -> 28 characters
    return out;
}

bool ExtensionParser::next(Extension& out) noexcept {
    out = Extension{};
    if (failed_) return false;
    // Skip empty list elements and the comma that ended the previous extension.
    for (;;) {
        skip_ows(rest_);
        if (rest_.empty()) return false;
        if (rest_.front() != ',') break;
        rest_.remove_prefix(1);
    }
    auto fail = [&] {
        failed_ = true;
        return false;
    };
    out.name = take_token(rest_);
    if (out.name.empty()) return fail();
    for (;;) {
        skip_ows(rest_);
        if (rest_.empty()) return true;
        if (rest_.front() == ',') {
            rest_.remove_prefix(1);
            return true;
        }
        if (rest_.front() != ';') return fail();
        rest_.remove_prefix(1);
        skip_ows(rest_);
        ExtensionParam p;
        p.name = take_token(rest_);
        if (p.name.empty()) return fail();
        skip_ows(rest_);
        if (!rest_.empty() && rest_.front() == '=') {
            rest_.remove_prefix(1);
            skip_ows(rest_);
            p.has_value = true;
            if (!rest_.empty() && rest_.front() == '"') {
                if (!take_quoted_token(rest_, p.value)) return fail();
            } else {
                p.value = take_token(rest_);
                if (p.value.empty()) return fail();
            }
        }
        if (out.param_count == kMaxExtensionParams) return fail();
        out.param_storage[out.param_count++] = p;
    }
}

std::string_view unescape_token(std::string_view value, std::span<char> buf) noexcept {
    if (value.find('\\') == std::string_view::npos) return value;
    std::size_t n = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        if (n == buf.size()) return {};
        buf[n++] = value[i];
    }
    return {buf.data(), n};
}

UpgradeError write_upgrade_response(const Handshake& hs, const UpgradeResponse& response,
                                    std::string& out) {
    if (!response.subprotocol.empty() && !hs.offers_subprotocol(response.subprotocol))
        return UpgradeError::subprotocol_not_offered;
    const auto accept = accept_key(hs.key);
    // The server's own fields go through the same writer as the app's (validation, Server,
    // Date); Upgrade and Connection are hop-by-hop there, so they are added after.
    std::vector<Header> fields;
    fields.reserve(response.headers.size() + 3);
    for (const auto& h : response.headers) {
        if (h.name.size() >= 14 && iequals(h.name.substr(0, 14), "sec-websocket-")) continue;
        fields.push_back(h);
    }
    fields.push_back({"Sec-WebSocket-Accept", std::string_view(accept.data(), accept.size())});
    if (!response.subprotocol.empty())
        fields.push_back({"Sec-WebSocket-Protocol", response.subprotocol});
    if (!response.extensions.empty())
        fields.push_back({"Sec-WebSocket-Extensions", response.extensions});

    ResponseSpec spec;
    spec.status = 101;
    spec.headers = fields;
    ResponsePlan plan;
    const std::size_t start = out.size();
    switch (write_response_head(spec, out, plan)) {
        case ResponseError::none:
            break;
        case ResponseError::bad_header_name:
            return UpgradeError::bad_header_name;
        default:
            return UpgradeError::bad_header_value;
    }
    const std::size_t line_end = out.find("\r\n", start) + 2;
    out.insert(line_end, "Upgrade: websocket\r\nConnection: Upgrade\r\n");
    return UpgradeError::none;
}

void write_handshake_refusal(HandshakeError e, std::string& out) {
    const int status = status_for(e) == 0 ? 400 : status_for(e);
    const std::size_t start = out.size();
    write_error_response(status, out);
    if (status == 426) {
        const std::size_t line_end = out.find("\r\n", start) + 2;
        out.insert(line_end, "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
    }
}

}  // namespace paasrun::http::ws
