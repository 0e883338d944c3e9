// The PROXY protocol (HAProxy's spec, versions 1 and 2): the header a load balancer (HAProxy,
// AWS NLB, GCP, ...) sends before the first byte of the client's connection, naming the real
// client address. --proxy-protocol enables it; only peers in --proxy-allow-from may send one
// (gunicorn's rule), and for them it is optional per connection, as in gunicorn.
//
//   v1: "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n" (or TCP6, or "PROXY UNKNOWN ...\r\n"),
//       at most 107 bytes.
//   v2: the 12-byte signature \r\n\r\n\0\r\nQUIT\n, version/command, family/transport,
//       a 2-byte big-endian length, then the addresses and TLVs (ignored).
// LOCAL (v2, health checks of the balancer itself), UNKNOWN (v1) and the UNSPEC/UNIX families
// keep the socket's own addresses. Pure: no I/O, no allocation beyond the address strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace paasrun::http {

enum class ProxyStatus : std::uint8_t {
    not_proxy,   // the input does not start like a PROXY header: plain HTTP
    incomplete,  // a header has started; more bytes are needed
    complete,    // parsed; `consumed` bytes belong to it
    error,       // a malformed header: close the connection
};

/// Largest v2 header accepted (16 bytes + addresses + TLVs); larger is an error so a peer
/// cannot make the worker buffer 64 KiB before the first request.
inline constexpr std::size_t kMaxProxyV2Size = 4096;

struct ProxyHeader {
    ProxyStatus status = ProxyStatus::not_proxy;
    std::size_t consumed = 0;
    int version = 0;          // 1 or 2 when complete
    bool local = false;       // keep the socket's addresses (LOCAL, UNKNOWN, UNSPEC, UNIX)
    std::string source_addr;  // textual IPv4/IPv6 when !local
    std::uint16_t source_port = 0;
    std::string dest_addr;
    std::uint16_t dest_port = 0;
    std::string_view error;  // when status == error: what was wrong
};

[[nodiscard]] ProxyHeader parse_proxy_header(std::string_view input);

}  // namespace paasrun::http
