#include "admin/bind_address.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/un.h>

#include <charconv>

#include "util/strings.hpp"

namespace paasrun::admin {

Result<BindAddress> parse_bind_address(std::string_view text) {
    auto fail = [&](std::string_view why) {
        return Error(fmt::format("admin bind \"{}\": {}", text, why));
    };
    BindAddress a;
    if (text.starts_with("unix:")) {
        a.unix_socket = true;
        a.path = std::string(text.substr(5));
        if (a.path.empty() || a.path[0] != '/')
            return fail("the socket path must be absolute (unix:/path/admin.sock)");
        // sockaddr_un::sun_path holds 108 bytes including the terminating NUL.
        if (a.path.size() >= sizeof(sockaddr_un{}.sun_path))
            return fail(fmt::format("the socket path is longer than {} bytes",
                                    sizeof(sockaddr_un{}.sun_path) - 1));
        return a;
    }
    std::string_view host;
    std::string_view port;
    if (text.starts_with("[")) {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return fail("expected [IPv6]:PORT");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            return fail("expected HOST:PORT, [IPv6]:PORT or unix:/path");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            return fail("write an IPv6 address in brackets: [::1]:PORT");
    }
    if (host.empty())
        return fail("the host is empty (use 127.0.0.1 for loopback, 0.0.0.0 for every interface)");
    int p = -1;
    if (!parse_int(port, p) || p < 0 || p > 65535)
        return fail("the port must be a number from 0 to 65535");
    a.host = std::string(host);
    a.port = p;
    return a;
}

bool is_loopback_address(std::string_view bound) {
    auto a = parse_bind_address(bound);
    if (!a || a->unix_socket) return false;
    in_addr v4{};
    if (::inet_pton(AF_INET, a->host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, a->host.c_str(), &v6) != 1) return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

std::string format_bind_address(const BindAddress& a) {
    if (a.unix_socket) return "unix:" + a.path;
    if (a.host.find(':') != std::string::npos) return fmt::format("[{}]:{}", a.host, a.port);
    return fmt::format("{}:{}", a.host, a.port);
}

}  // namespace paasrun::admin
