// Address lists for --forwarded-allow-ips: which peers may set X-Forwarded-For/Proto/Host.
//
// Syntax (gunicorn's, plus CIDR): comma-separated entries, spaces ignored, each one of
//   "*"             every peer
//   "10.1.2.3"      one IPv4 address        "10.0.0.0/8"   an IPv4 network
//   "::1"           one IPv6 address        "fd00::/8"     an IPv6 network
// A network's host bits must be zero ("10.0.0.1/8" is refused: it is almost always a typo).
// An IPv4-mapped IPv6 peer (::ffff:10.1.2.3, what a dual-stack socket reports) matches the
// IPv4 entries. Parsing is control plane (Result); matching is noexcept and allocation-free.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace paasrun::http {

/// An address as raw bytes: IPv4 in the first 4 bytes (v6 == false), else 16 bytes of IPv6.
struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};
    bool v6 = false;
};

/// Parses a textual IPv4 or IPv6 address (no brackets, no zone id, no port).
[[nodiscard]] bool parse_ip(std::string_view text, IpAddress& out) noexcept;

class CidrList {
public:
    /// Parses the list; an error names the offending entry and its column (1-based).
    [[nodiscard]] static Result<CidrList> parse(std::string_view list);

    [[nodiscard]] bool contains(const IpAddress& addr) const noexcept;
    /// Textual peer address; false when it does not parse.
    [[nodiscard]] bool contains(std::string_view addr) const noexcept;
    [[nodiscard]] bool allows_all() const noexcept { return all_; }
    [[nodiscard]] bool empty() const noexcept { return !all_ && nets_.empty(); }

private:
    struct Net {
        IpAddress base;
        unsigned prefix = 0;  // bits
    };
    std::vector<Net> nets_;
    bool all_ = false;
};

}  // namespace paasrun::http
