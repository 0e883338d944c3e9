// The server side of the WebSocket opening handshake (RFC 6455 section 4.2), on a request head
// already parsed (and so already checked) by request_parser.hpp.
//
//   if (ws::is_websocket_request(req)) {
//       ws::Handshake hs;
//       if (auto e = ws::check_handshake(req, hs); e != ws::HandshakeError::none) {
//           ws::write_handshake_refusal(e, out);  // 400, or 426 + Sec-WebSocket-Version: 13
//           close after writing;
//       }
//       ... negotiate permessage-deflate (websocket_deflate.hpp), ask the app (ASGI
//       websocket.connect -> websocket.accept / websocket.close), then
//       ws::write_upgrade_response(hs, {subprotocol, extensions, app headers}, out);
//   }
//
// check_handshake() enforces 4.2.1: method GET, HTTP/1.1, "Upgrade: websocket" (a token of
// the list, case-insensitive), "Connection: upgrade", exactly one Sec-WebSocket-Key that is
// base64 of 16 bytes, Sec-WebSocket-Version 13 (any other or none: 426 with
// "Sec-WebSocket-Version: 13", 4.4); no request body (bytes after the head are frames, so a
// body would make the framing ambiguous); Sec-WebSocket-Protocol a list of tokens and
// Sec-WebSocket-Extensions well-formed (9.1), else 400 (an empty value of either is an empty
// list, as RFC 9110 5.6.1 has recipients ignore empty elements: python3-websockets 10 sends
// an empty Sec-WebSocket-Extensions when it offers no extension). Nothing is allocated: the results
// are views into the request's buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace paasrun::http::ws {

/// The GUID appended to the key before hashing (RFC 6455 1.3).
inline constexpr std::string_view kHandshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// Subprotocols kept from Sec-WebSocket-Protocol; more is refused with 400.
inline constexpr std::size_t kMaxSubprotocols = 16;
/// Parameters kept per extension in Sec-WebSocket-Extensions; more is refused with 400.
inline constexpr std::size_t kMaxExtensionParams = 8;

enum class HandshakeError : std::uint8_t {
    none = 0,
    not_get,                // 400: the method is not GET (4.2.1 item 1)
    not_http11,             // 400: HTTP/1.0
    has_body,               // 400: Content-Length > 0 or chunked
    no_upgrade_websocket,   // 400: no "websocket" in Upgrade (item 3)
    no_connection_upgrade,  // 400: no "upgrade" in Connection (item 4)
    missing_key,            // 400: no Sec-WebSocket-Key (item 5)
    duplicate_key,          // 400: two Sec-WebSocket-Key fields
    bad_key,                // 400: not base64 of exactly 16 bytes
    unsupported_version,    // 426: Sec-WebSocket-Version missing or not 13 (item 6)
    bad_subprotocols,       // 400: Sec-WebSocket-Protocol element that is not a token
    too_many_subprotocols,  // 400: more than kMaxSubprotocols
    bad_extensions,         // 400: Sec-WebSocket-Extensions syntax (9.1)
};
/// 400 or 426 (0 for none).
[[nodiscard]] int status_for(HandshakeError e) noexcept;
[[nodiscard]] std::string_view describe(HandshakeError e) noexcept;

/// What the client asked for, as views into the request's buffer.
struct Handshake {
    std::string_view key;     // Sec-WebSocket-Key, as sent (24 base64 characters)
    std::string_view origin;  // Origin, empty when absent (browsers always send it)
    std::array<std::string_view, kMaxSubprotocols> subprotocol_storage{};
    std::size_t subprotocol_count = 0;
    bool has_extensions = false;  // some Sec-WebSocket-Extensions field offered an extension

    /// Offered subprotocols in order of preference (the ASGI scope's "subprotocols").
    [[nodiscard]] std::span<const std::string_view> subprotocols() const noexcept {
        return {subprotocol_storage.data(), subprotocol_count};
    }
    [[nodiscard]] bool offers_subprotocol(std::string_view name) const noexcept;
};

/// Whether the request asks to switch to WebSocket: an HTTP/1.1 request with "Connection:
/// upgrade" and "websocket" among its Upgrade protocols. Without the Connection option the
/// Upgrade field means nothing (RFC 9110 7.8; it is hop-by-hop), and an HTTP/1.0 request's
/// Upgrade field is ignored, so such requests stay plain HTTP for the app.
[[nodiscard]] bool is_websocket_request(const Request& req) noexcept;

/// Validates the handshake; fills `out` (also partly on error).
[[nodiscard]] HandshakeError check_handshake(const Request& req, Handshake& out) noexcept;

/// Sec-WebSocket-Accept for a key: base64(SHA-1(key + kHandshakeGuid)), 28 characters.
[[nodiscard]] std::array<char, 28> accept_key(std::string_view key) noexcept;

/// Whether `key` is base64 (RFC 4648 4, with padding) of exactly 16 bytes: 22 characters of
/// the alphabet then "==". The unused low bits of the last character are not checked (the
/// RFC only asks for 16 bytes; Python's base64 decoder ignores them too).
[[nodiscard]] bool is_valid_key(std::string_view key) noexcept;

// ---- Sec-WebSocket-Extensions (RFC 6455 9.1) ----
//   extension-list = 1#extension
//   extension      = extension-token *( ";" extension-param )
//   extension-param = token [ "=" (token | quoted-string) ]
// A quoted value must be a token once unescaped; OWS is allowed around ',', ';' and '='.

struct ExtensionParam {
    std::string_view name;
    /// The value: a token, or the inside of the quoted string (escapes kept: a backslash
    /// pair stands for the second character; unescape_token() undoes them).
    std::string_view value;
    bool has_value = false;
};

struct Extension {
    std::string_view name;
    std::array<ExtensionParam, kMaxExtensionParams> param_storage{};
    std::size_t param_count = 0;
    [[nodiscard]] std::span<const ExtensionParam> params() const noexcept {
        return {param_storage.data(), param_count};
    }
};

/// Walks the extensions of one Sec-WebSocket-Extensions field value, in order:
///   ExtensionParser p(value); Extension e;
///   while (p.next(e)) { ... }
///   if (p.failed()) refuse the handshake (400)
class ExtensionParser {
public:
    explicit ExtensionParser(std::string_view value) noexcept : rest_(value) {}
    /// The next extension; false at the end of the list or on a syntax error.
    [[nodiscard]] bool next(Extension& out) noexcept;
    [[nodiscard]] bool failed() const noexcept { return failed_; }

private:
    std::string_view rest_;
    bool failed_ = false;
};

/// A quoted extension parameter value without its escapes, into `buf`; empty view when it
/// does not fit. Token values come back unchanged.
[[nodiscard]] std::string_view unescape_token(std::string_view value, std::span<char> buf) noexcept;

// ---- Responses ----

struct UpgradeResponse {
    /// The subprotocol the app chose (ASGI websocket.accept "subprotocol"); it must be one
    /// the client offered (4.2.2 item 5.4). Empty: no Sec-WebSocket-Protocol.
    std::string_view subprotocol;
    /// Sec-WebSocket-Extensions value (DeflateAgreement::response); empty when none.
    std::string_view extensions;
    /// The app's extra fields (ASGI websocket.accept "headers"). Sec-WebSocket-* fields and
    /// hop-by-hop ones among them are dropped: the server owns those.
    std::span<const Header> headers;
};

enum class UpgradeError : std::uint8_t {
    none = 0,
    subprotocol_not_offered,  // the app chose a subprotocol the client did not offer
    bad_header_name,          // an app field name that is not a token
    bad_header_value,         // an app field value with CR, LF, NUL or another CTL
};
[[nodiscard]] std::string_view describe(UpgradeError e) noexcept;

/// Appends "HTTP/1.1 101 Switching Protocols" with Upgrade, Connection, Sec-WebSocket-Accept,
/// the chosen subprotocol and extensions, the app's fields, Server and Date. On error nothing
/// is appended (the worker then refuses the handshake with 500 as for a bad WSGI response).
[[nodiscard]] UpgradeError write_upgrade_response(const Handshake& hs,
                                                  const UpgradeResponse& response,
                                                  std::string& out);

/// Appends the refusal of a failed handshake: status_for(e) with "Connection: close"; a 426
/// also says "Upgrade: websocket" and "Sec-WebSocket-Version: 13" (RFC 6455 4.4, RFC 9110
/// 15.5.22).
void write_handshake_refusal(HandshakeError e, std::string& out);

}  // namespace paasrun::http::ws
