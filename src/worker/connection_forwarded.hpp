// Proxy headers and server address facts for the environ. Pure: no I/O, tested with strings.
//
// --forwarded-allow-ips decides whether the peer is a trusted proxy; only then do
//   X-Forwarded-For   set REMOTE_ADDR: the list is walked from the right (the entry our
//                     trusted peer appended) skipping entries that are themselves trusted
//                     proxies; the first other entry that is a valid IP wins (uvicorn's and
//                     werkzeug ProxyFix's rule: the left part of the list is client-supplied
//                     and spoofable). No valid entry: REMOTE_ADDR stays the peer.
//   X-Forwarded-Proto set wsgi.url_scheme, only to "http" or "https" (last list entry).
//   X-Forwarded-Host  set HTTP_HOST (last list entry), only if it is a plausible authority.
// An untrusted peer's X-Forwarded-* headers are passed to the app as plain HTTP_X_* keys and
// change nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/cidr.hpp"
#include "http/request.hpp"
#include "worker/response.hpp"

namespace paasrun::worker {

/// Applies the trusted proxy headers of `request` to `info` (remote_addr, url_scheme, host).
/// `storage` holds the chosen X-Forwarded-For address (info.remote_addr points into it).
void apply_forwarded(const http::Request& request, const http::CidrList& trusted,
                     std::string& storage, RequestInfo& info);

/// SERVER_NAME / SERVER_PORT (PEP 3333, CGI): from the Host authority when present
/// ("example.com:8080", "[::1]:80", "example.com" -> 80 or 443 by scheme), else the local
/// address of the listening socket.
void split_host(std::string_view host, std::string_view scheme, std::string_view listen_addr,
                std::uint16_t listen_port, std::string_view& name, std::uint16_t& port);

/// True for a Host/X-Forwarded-Host value made of authority characters only (RFC 3986
/// reg-name, IPv6 literal in brackets, optional :port).
[[nodiscard]] bool is_plausible_authority(std::string_view host);

}  // namespace paasrun::worker
