// PROXY protocol v1/v2 parser (src/http/proxy_protocol.hpp): the spec's examples, every
// prefix is "incomplete", and malformed headers are errors.
#include <catch2/catch.hpp>
#include <string>

#include "http/proxy_protocol.hpp"

using namespace paasrun::http;

namespace {

const std::string kSig("\r\n\r\n\0\r\nQUIT\n", 12);

std::string v2(unsigned char ver_cmd, unsigned char fam, std::string body) {
    std::string h = kSig;
    h += static_cast<char>(ver_cmd);
    h += static_cast<char>(fam);
    h += static_cast<char>(body.size() >> 8);
    h += static_cast<char>(body.size() & 0xff);
    return h + body;
}

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int c : b) s += static_cast<char>(c);
    return s;
}

void every_prefix_is_incomplete(const std::string& header) {
    for (std::size_t n = 1; n < header.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        CHECK(parse_proxy_header(header.substr(0, n)).status == ProxyStatus::incomplete);
    }
}

}  // namespace

TEST_CASE("proxy protocol v1: TCP4, TCP6, UNKNOWN", "[http][proxy]") {
    std::string line = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
    auto h = parse_proxy_header(line + "GET / HTTP/1.1\r\n");
    REQUIRE(h.status == ProxyStatus::complete);
    CHECK(h.version == 1);
    CHECK(h.consumed == line.size());
    CHECK_FALSE(h.local);
    CHECK(h.source_addr == "192.0.2.1");
    CHECK(h.source_port == 56324);
    CHECK(h.dest_addr == "198.51.100.2");
    CHECK(h.dest_port == 443);
    every_prefix_is_incomplete(line);

    auto h6 = parse_proxy_header("PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n");
    REQUIRE(h6.status == ProxyStatus::complete);
    CHECK(h6.source_addr == "2001:db8::1");
    CHECK(h6.dest_port == 65535);

    auto u = parse_proxy_header("PROXY UNKNOWN ffff:f...f:ffff 1 2\r\n");
    REQUIRE(u.status == ProxyStatus::complete);
    CHECK(u.local);
    CHECK(parse_proxy_header("PROXY UNKNOWN\r\n").local);
}

TEST_CASE("proxy protocol v1: malformed lines are errors", "[http][proxy]") {
    for (const char* bad :
         {"PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n",
          "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 x\r\n",
          "PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n", "PROXY TCP6 192.0.2.1 2001:db8::2 1 2\r\n",
          "PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n",
          "PROXY TCP4 192.0.2.1 198.51.100.2 0443 443\r\n",
          "PROXY TCP4 192.0.2.1 198.51.100.2 -1 443\r\n",
          "PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n",
          "PROXY TCP4  192.0.2.1 198.51.100.2 1 2\r\n"}) {
        INFO(bad);
        CHECK(parse_proxy_header(bad).status == ProxyStatus::error);
    }
    CHECK(parse_proxy_header("PROXY " + std::string(120, 'x')).status == ProxyStatus::error);
}

TEST_CASE("proxy protocol: plain HTTP is not a PROXY header", "[http][proxy]") {
    CHECK(parse_proxy_header("GET / HTTP/1.1\r\n").status == ProxyStatus::not_proxy);
    CHECK(parse_proxy_header("PROXZ").status == ProxyStatus::not_proxy);
    CHECK(parse_proxy_header("\r\nGET").status == ProxyStatus::not_proxy);
    CHECK(parse_proxy_header("").status == ProxyStatus::incomplete);
}

TEST_CASE("proxy protocol v2: IPv4, IPv6, LOCAL, TLVs", "[http][proxy]") {
    auto ipv4 = v2(0x21, 0x11,
                   bytes({192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x01, 0xbb}) +
                       bytes({0x04, 0x00, 0x02, 'a', 'b'}));  // one TLV
    auto h = parse_proxy_header(ipv4 + "GET / HTTP/1.1\r\n");
    REQUIRE(h.status == ProxyStatus::complete);
    CHECK(h.version == 2);
    CHECK(h.consumed == ipv4.size());
    CHECK(h.source_addr == "192.0.2.1");
    CHECK(h.source_port == 56324);
    CHECK(h.dest_addr == "198.51.100.2");
    CHECK(h.dest_port == 443);
    every_prefix_is_incomplete(ipv4);

    std::string a6(16, '\0'), b6(16, '\0');
    a6[0] = 0x20, a6[1] = 0x01, a6[2] = 0x0d, a6[3] = static_cast<char>(0xb8), a6[15] = 1;
    b6[15] = 2;
    auto h6 = parse_proxy_header(v2(0x21, 0x21, a6 + b6 + bytes({0, 80, 0, 81})));
    REQUIRE(h6.status == ProxyStatus::complete);
    CHECK(h6.source_addr == "2001:db8::1");
    CHECK(h6.dest_addr == "::2");
    CHECK(h6.source_port == 80);

    auto local = parse_proxy_header(v2(0x20, 0x00, ""));
    REQUIRE(local.status == ProxyStatus::complete);
    CHECK(local.local);
    CHECK(parse_proxy_header(v2(0x21, 0x31, std::string(216, 'x'))).local);  // AF_UNIX
}

TEST_CASE("proxy protocol v2: malformed headers are errors", "[http][proxy]") {
    CHECK(parse_proxy_header(v2(0x11, 0x11, std::string(12, '\0'))).status == ProxyStatus::error);
    CHECK(parse_proxy_header(v2(0x22, 0x11, std::string(12, '\0'))).status == ProxyStatus::error);
    CHECK(parse_proxy_header(v2(0x21, 0x11, std::string(11, '\0'))).status == ProxyStatus::error);
    CHECK(parse_proxy_header(v2(0x21, 0x21, std::string(35, '\0'))).status == ProxyStatus::error);
    CHECK(parse_proxy_header(v2(0x21, 0x41, std::string(12, '\0'))).status == ProxyStatus::error);
    CHECK(parse_proxy_header(v2(0x21, 0x13, std::string(12, '\0'))).status == ProxyStatus::error);
    CHECK(parse_proxy_header(v2(0x21, 0x11, std::string(kMaxProxyV2Size, '\0'))).status ==
          ProxyStatus::error);
}
