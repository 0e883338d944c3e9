#include "http/proxy_protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "util/strings.hpp"

namespace paasrun::http {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::size_t kV1Max = 107;
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};

bool starts_like(std::string_view input, std::string_view prefix) {
    auto n = std::min(input.size(), prefix.size());
    return input.substr(0, n) == prefix.substr(0, n);
}

ProxyHeader with_status(ProxyStatus status) {
    ProxyHeader h;
    h.status = status;
    return h;
}

ProxyHeader fail(std::string_view why) {
    ProxyHeader h;
    h.status = ProxyStatus::error;
    h.error = why;
    return h;
}

// A canonical textual address of the family, as inet_pton reads it.
bool valid_address(std::string_view text, int family) {
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) return false;
    std::array<char, INET6_ADDRSTRLEN + 1> buf{};
    std::copy(text.begin(), text.end(), buf.begin());
    std::array<unsigned char, 16> out{};
    return ::inet_pton(family, buf.data(), out.data()) == 1;
}

bool parse_port(std::string_view text, std::uint16_t& port) {
    unsigned v = 0;
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
    if (!parse_int(text, v) || v > 65535) return false;
    port = static_cast<std::uint16_t>(v);
    return true;
}

ProxyHeader parse_v1(std::string_view input) {
    auto crlf = input.substr(0, std::min(input.size(), kV1Max)).find("\r\n");
    if (crlf == std::string_view::npos) {
        if (input.size() >= kV1Max) return fail("PROXY v1 line longer than 107 bytes");
        return with_status(ProxyStatus::incomplete);
    }
    std::string_view line = input.substr(kV1Prefix.size(), crlf - kV1Prefix.size());
    ProxyHeader h;
    h.status = ProxyStatus::complete;
    h.consumed = crlf + 2;
    h.version = 1;
    if (line == "UNKNOWN" || line.starts_with("UNKNOWN ")) {
        h.local = true;
        return h;
    }
    std::array<std::string_view, 5> f{};
    std::size_t n = 0;
    while (n < f.size()) {
        auto sp = line.find(' ');
        f[n++] = line.substr(0, sp);
        if (sp == std::string_view::npos) {
            line = {};
            break;
        }
        line.remove_prefix(sp + 1);
    }
    if (n != 5 || !line.empty()) return fail("PROXY v1: expected PROTO SRC DST SPORT DPORT");
    int family = f[0] == "TCP4" ? AF_INET : f[0] == "TCP6" ? AF_INET6 : 0;
    if (family == 0) return fail("PROXY v1: protocol is not TCP4, TCP6 or UNKNOWN");
    if (!valid_address(f[1], family) || !valid_address(f[2], family))
        return fail("PROXY v1: bad address");
    if (!parse_port(f[3], h.source_port) || !parse_port(f[4], h.dest_port))
        return fail("PROXY v1: bad port");
    h.source_addr = std::string(f[1]);
    h.dest_addr = std::string(f[2]);
    return h;
}

std::string address_text(int family, const unsigned char* bytes) {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    ::inet_ntop(family, bytes, buf.data(), buf.size());
    return std::string(buf.data());
}

ProxyHeader parse_v2(std::string_view input) {
    if (input.size() < 16) return with_status(ProxyStatus::incomplete);
    auto b = [&input](std::size_t i) { return static_cast<unsigned char>(input[i]); };
    if ((b(12) >> 4) != 2) return fail("PROXY v2: version is not 2");
    unsigned command = b(12) & 0x0f;
    if (command > 1) return fail("PROXY v2: unknown command");
    std::size_t length = (static_cast<std::size_t>(b(14)) << 8) | b(15);
    if (16 + length > kMaxProxyV2Size) return fail("PROXY v2: header too large");
    if (input.size() < 16 + length) return with_status(ProxyStatus::incomplete);
    ProxyHeader h;
    h.status = ProxyStatus::complete;
    h.consumed = 16 + length;
    h.version = 2;
    unsigned family = b(13) >> 4;
    unsigned transport = b(13) & 0x0f;
    if (transport > 2) return fail("PROXY v2: unknown transport");
    if (command == 0 || family == 0 || family == 3) {  // LOCAL, UNSPEC, UNIX
        if (family > 3) return fail("PROXY v2: unknown address family");
        h.local = true;
        return h;
    }
    const auto* addr = reinterpret_cast<const unsigned char*>(input.data() + 16);
    if (family == 1) {
        if (length < 12) return fail("PROXY v2: short IPv4 address block");
        h.source_addr = address_text(AF_INET, addr);
        h.dest_addr = address_text(AF_INET, addr + 4);
        h.source_port = static_cast<std::uint16_t>((addr[8] << 8) | addr[9]);
        h.dest_port = static_cast<std::uint16_t>((addr[10] << 8) | addr[11]);
    } else if (family == 2) {
        if (length < 36) return fail("PROXY v2: short IPv6 address block");
        h.source_addr = address_text(AF_INET6, addr);
        h.dest_addr = address_text(AF_INET6, addr + 16);
        h.source_port = static_cast<std::uint16_t>((addr[32] << 8) | addr[33]);
        h.dest_port = static_cast<std::uint16_t>((addr[34] << 8) | addr[35]);
    } else {
        return fail("PROXY v2: unknown address family");
    }
    return h;
}

}  // namespace

ProxyHeader parse_proxy_header(std::string_view input) {
    if (input.empty()) return with_status(ProxyStatus::incomplete);
    if (starts_like(input, kV2Signature)) {
        if (input.size() < kV2Signature.size()) return with_status(ProxyStatus::incomplete);
        return parse_v2(input);
    }
    if (starts_like(input, kV1Prefix)) {
        if (input.size() < kV1Prefix.size()) return with_status(ProxyStatus::incomplete);
        return parse_v1(input);
    }
    return with_status(ProxyStatus::not_proxy);
}

}  // namespace paasrun::http
