// The chunked trailer section (http/trailers.hpp): TE: trailers, field validation.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "http/request_parser.hpp"
#include "http/trailers.hpp"

using namespace paasrun::http;

namespace {

bool te_accepts(std::string fields) {
    auto bytes =
        std::make_shared<const std::string>("GET / HTTP/1.1\r\nHost: h\r\n" + fields + "\r\n");
    Request req;
    REQUIRE(parse_request_head(*bytes, req).status == ParseStatus::complete);
    return accepts_trailers(req);
}

}  // namespace

TEST_CASE("trailers: TE lists trailers", "[http][trailers]") {
    CHECK(te_accepts("TE: trailers\r\n"));
    CHECK(te_accepts("te: gzip;q=0.5, Trailers\r\n"));
    CHECK(te_accepts("TE: deflate\r\nTE: trailers\r\n"));
    CHECK_FALSE(te_accepts(""));
    CHECK_FALSE(te_accepts("TE: gzip\r\n"));
    CHECK_FALSE(te_accepts("TE: trailersx\r\n"));
    CHECK_FALSE(te_accepts("X-TE: trailers\r\n"));
}

TEST_CASE("trailers: valid fields are written, invalid ones skipped", "[http][trailers]") {
    std::string out;
    Header fields[] = {{"grpc-status", "0"},
                       {"x-checksum", "abc\tdef"},
                       {"bad name", "v"},
                       {"x-inject", "a\r\nEvil: 1"},
                       {"", "v"}};
    CHECK(append_trailer_fields(fields, out) == 3);
    CHECK(out == "grpc-status: 0\r\nx-checksum: abc\tdef\r\n");
}
