// admin.bind: "HOST:PORT", "[IPv6]:PORT" or "unix:/absolute/path". Pure parsing.
#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace paasrun::admin {

struct BindAddress {
    bool unix_socket = false;
    std::string host;  // TCP: a name or numeric address, without IPv6 brackets
    int port = 0;      // TCP: 0..65535 (0: any free port)
    std::string path;  // unix: the socket's absolute path
};

/// Errors name what is wrong ("admin bind \"x\": ..."). Port 0 is allowed.
[[nodiscard]] Result<BindAddress> parse_bind_address(std::string_view text);

/// Whether a bound TCP address ("127.0.0.1:8080", "[::1]:8080"; numeric hosts) is a loopback
/// one (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104). Unix sockets and names are not.
[[nodiscard]] bool is_loopback_address(std::string_view bound);

/// "127.0.0.1:8080", "[::1]:8080", "unix:/run/paasrun.sock".
[[nodiscard]] std::string format_bind_address(const BindAddress& a);

}  // namespace paasrun::admin
