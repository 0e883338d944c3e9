// libFuzzer target: the PROXY protocol v1/v2 parser (src/http/proxy_protocol.hpp).
// Seeds: tests/fixtures/fuzz/http_proxy/.
//
// Beyond "no crash, no UB" it checks the parser's contract:
// - a complete header consumed at most the input, and a v1 header at most 107 bytes;
// - it is incremental: every shorter prefix of a complete header is "incomplete", and an
//   error on a prefix stays an error on the whole input;
// - addresses of a non-local header are non-empty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/proxy_protocol.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace paasrun::http;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto h = parse_proxy_header(input);
    if (h.status == ProxyStatus::complete) {
        check(h.consumed > 0 && h.consumed <= input.size());
        check(h.version == 1 || h.version == 2);
        if (h.version == 1) check(h.consumed <= 107);
        if (!h.local) check(!h.source_addr.empty() && !h.dest_addr.empty());
        for (std::size_t n = 1; n < h.consumed; ++n)
            check(parse_proxy_header(input.substr(0, n)).status == ProxyStatus::incomplete);
    }
    if (h.status == ProxyStatus::error && size > 1) {
        auto shorter = parse_proxy_header(input.substr(0, size - 1));
        check(shorter.status == ProxyStatus::error || shorter.status == ProxyStatus::incomplete);
    }
    return 0;
}
