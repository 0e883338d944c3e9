#include "http/cidr.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "util/strings.hpp"

namespace paasrun::http {
namespace {

// ::ffff:a.b.c.d (RFC 4291 2.5.5.2) is how a dual-stack socket reports an IPv4 peer.
bool unmap_v4(IpAddress& a) {
    if (!a.v6) return true;
    static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), kPrefix, sizeof kPrefix) != 0) return false;
    std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
    std::memset(a.bytes.data() + 4, 0, 12);
    a.v6 = false;
    return true;
}

bool prefix_matches(const IpAddress& base, const IpAddress& addr, unsigned prefix) {
    unsigned full = prefix / 8, rest = prefix % 8;
    if (std::memcmp(base.bytes.data(), addr.bytes.data(), full) != 0) return false;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (base.bytes[full] & mask) == (addr.bytes[full] & mask);
}

bool host_bits_zero(const IpAddress& a, unsigned prefix) {
    unsigned total = a.v6 ? 128 : 32;
    for (unsigned bit = prefix; bit < total; ++bit)
        if (a.bytes[bit / 8] & (0x80 >> (bit % 8))) return false;
    return true;
}

}  // namespace

bool parse_ip(std::string_view text, IpAddress& out) noexcept {
    char buf[INET6_ADDRSTRLEN + 1];
    if (text.empty() || text.size() >= sizeof buf) return false;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    out = IpAddress{};
    if (text.find(':') == std::string_view::npos) {
        out.v6 = false;
        return ::inet_pton(AF_INET, buf, out.bytes.data()) == 1;
    }
    out.v6 = true;
    return ::inet_pton(AF_INET6, buf, out.bytes.data()) == 1;
}

Result<CidrList> CidrList::parse(std::string_view list) {
    CidrList result;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        auto comma = list.find(',', pos);
        if (comma == std::string_view::npos) comma = list.size();
        auto raw = list.substr(pos, comma - pos);
        auto entry = trim(raw, kOws);
        int column =
            static_cast<int>(pos + static_cast<std::size_t>(entry.data() - raw.data())) + 1;
        auto fail = [&](std::string_view why) {
            return Error(fmt::format("forwarded-allow-ips: {} \"{}\"", why, entry),
                         Where{"", 1, column});
        };
        if (entry.empty()) {
            if (comma < list.size() || !result.empty()) return fail("empty entry");
        } else if (entry == "*") {
            result.all_ = true;
        } else {
            auto slash = entry.find('/');
            Net net;
            if (!parse_ip(entry.substr(0, slash), net.base)) return fail("not an IP address");
            unsigned max = net.base.v6 ? 128 : 32;
            net.prefix = max;
            if (slash != std::string_view::npos) {
                auto bits = entry.substr(slash + 1);
                if (!parse_int(bits, net.prefix) || net.prefix > max)
                    return fail("bad prefix length in");
                if (!host_bits_zero(net.base, net.prefix))
                    return fail("host bits set after the prefix in");
            }
            result.nets_.push_back(net);
        }
        pos = comma + 1;
    }
    return result;
}

bool CidrList::contains(const IpAddress& addr) const noexcept {
    if (all_) return true;
    IpAddress a = addr;
    unmap_v4(a);
    for (const auto& n : nets_)
        if (n.base.v6 == a.v6 && prefix_matches(n.base, a, n.prefix)) return true;
    return false;
}

bool CidrList::contains(std::string_view addr) const noexcept {
    if (all_) return true;
    IpAddress a;
    return parse_ip(addr, a) && contains(a);
}

}  // namespace paasrun::http
