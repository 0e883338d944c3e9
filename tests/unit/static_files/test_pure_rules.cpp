// Pure rules of the static-file server: media types, ranges, validators, Accept-Encoding,
// hashed names. No files involved.
#include <catch2/catch.hpp>

#include "static_files/accept_encoding.hpp"
#include "static_files/conditional.hpp"
#include "static_files/media_types.hpp"
#include "static_files/range.hpp"
#include "static_files/static_files.hpp"

using namespace paasrun::static_files;

TEST_CASE("media types: the table is sorted and unique (binary search relies on it)",
          "[static][types]") {
    CHECK(media_table_is_sorted());
}

TEST_CASE("media types: the extensions the issue names, text types with charset",
          "[static][types]") {
    CHECK(content_type_for("app.js") == "text/javascript; charset=utf-8");
    CHECK(content_type_for("mod.mjs") == "text/javascript; charset=utf-8");
    CHECK(content_type_for("a/b/styles.css") == "text/css; charset=utf-8");
    CHECK(content_type_for("index.html") == "text/html; charset=utf-8");
    CHECK(content_type_for("logo.svg") == "image/svg+xml; charset=utf-8");
    CHECK(content_type_for("data.json") == "application/json; charset=utf-8");
    CHECK(content_type_for("app.js.map") == "application/json; charset=utf-8");
    CHECK(content_type_for("f.woff") == "font/woff");
    CHECK(content_type_for("f.woff2") == "font/woff2");
    CHECK(content_type_for("m.wasm") == "application/wasm");
    CHECK(content_type_for("i.webp") == "image/webp");
    CHECK(content_type_for("i.avif") == "image/avif");
    CHECK(content_type_for("favicon.ico") == "image/x-icon");
    CHECK(content_type_for("robots.txt") == "text/plain; charset=utf-8");
    CHECK(content_type_for("site.webmanifest") == "application/manifest+json; charset=utf-8");
    CHECK(content_type_for("pixel.gif") == "image/gif");
}

TEST_CASE("media types: case-insensitive extension, unknown is octet-stream", "[static][types]") {
    CHECK(content_type_for("PHOTO.JPG") == "image/jpeg");
    CHECK(content_type_for("custom-mime.foobar") == "application/octet-stream");
    CHECK(content_type_for("Makefile") == "application/octet-stream");
    CHECK(content_type_for("trailing.") == "application/octet-stream");
    CHECK(content_type_for(".hidden") == "application/octet-stream");  // ".hidden": ext "hidden"
    CHECK(content_type_for("x.averyveryverylongextension") == "application/octet-stream");
    CHECK(content_type_for("a.css.gz") == "application/gzip");
    CHECK(content_type_for("dir.d/apple-app-site-association") ==
          "application/json; charset=utf-8");
}

TEST_CASE("media types: compressible flags", "[static][types]") {
    CHECK(media_type_for("a.css").compressible);
    CHECK(media_type_for("a.js").compressible);
    CHECK(media_type_for("a.svg").compressible);
    CHECK(media_type_for("a.wasm").compressible);
    CHECK_FALSE(media_type_for("a.png").compressible);
    CHECK_FALSE(media_type_for("a.woff2").compressible);
    CHECK_FALSE(media_type_for("a.gz").compressible);
    CHECK_FALSE(media_type_for("a.unknown").compressible);
    CHECK(media_type_for("a.css").type == "text/css");
}

TEST_CASE("range: single ranges", "[static][range]") {
    auto r = evaluate_range("bytes=0-9", 100);
    REQUIRE(r.kind == RangeKind::single);
    CHECK(r.range.first == 0);
    CHECK(r.range.last == 9);
    CHECK(r.range.length() == 10);

    r = evaluate_range("bytes=90-", 100);
    REQUIRE(r.kind == RangeKind::single);
    CHECK(r.range.first == 90);
    CHECK(r.range.last == 99);

    r = evaluate_range("bytes=-10", 100);  // suffix
    REQUIRE(r.kind == RangeKind::single);
    CHECK(r.range.first == 90);
    CHECK(r.range.last == 99);

    r = evaluate_range("bytes=-1000", 100);  // suffix longer than the file: whole file
    REQUIRE(r.kind == RangeKind::single);
    CHECK(r.range.first == 0);
    CHECK(r.range.last == 99);

    r = evaluate_range("bytes=50-1000", 100);  // last-pos clamped
    REQUIRE(r.kind == RangeKind::single);
    CHECK(r.range.last == 99);

    r = evaluate_range("BYTES = 1-1 ", 100);  // unit case-insensitive, OWS
    REQUIRE(r.kind == RangeKind::single);
    CHECK(r.range.length() == 1);

    r = evaluate_range("bytes=0-0,", 100);  // empty list elements are ignored
    CHECK(r.kind == RangeKind::single);
}

TEST_CASE("range: unsatisfiable -> 416", "[static][range]") {
    CHECK(evaluate_range("bytes=100-", 100).kind == RangeKind::unsatisfiable);
    CHECK(evaluate_range("bytes=100-200", 100).kind == RangeKind::unsatisfiable);
    CHECK(evaluate_range("bytes=-0", 100).kind == RangeKind::unsatisfiable);
    CHECK(evaluate_range("bytes=99999999999999999999999-", 100).kind == RangeKind::unsatisfiable);
    CHECK(evaluate_range("bytes=200-300,400-500", 100).kind == RangeKind::unsatisfiable);
}

TEST_CASE("range: invalid or other units are ignored (200)", "[static][range]") {
    for (auto h : {"", "bytes", "bytes=", "items=0-1", "bytes=a-b", "bytes=5-1", "bytes=1-2-3",
                   "bytes=--1", "bytes=0-1,x", "bytes 0-1", "bytes=+1-2", "bytes=0x10-"}) {
        INFO(h);
        CHECK(evaluate_range(h, 100).kind == RangeKind::ignore);
    }
}

TEST_CASE("range: an empty representation ignores Range (200, like nginx)", "[static][range]") {
    CHECK(evaluate_range("bytes=0-", 0).kind == RangeKind::ignore);
    CHECK(evaluate_range("bytes=-5", 0).kind == RangeKind::ignore);
    CHECK(evaluate_range("bytes=0-0,1-1", 0).kind == RangeKind::ignore);
}

TEST_CASE("range: several ranges -> whole file (documented)", "[static][range]") {
    CHECK(evaluate_range("bytes=0-1,5-6", 100).kind == RangeKind::multiple);
    CHECK(evaluate_range("bytes=0-1,500-600", 100).kind == RangeKind::multiple);
    CHECK(evaluate_range("bytes=0-,0-,0-,0-", 100).kind == RangeKind::multiple);
}

TEST_CASE("dates: the three HTTP-date forms", "[static][date]") {
    // RFC 9110 5.6.7's example: 784111777
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
    CHECK(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
    CHECK(parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT") == 1835481599);
    for (auto bad :
         {"", "yesterday", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
          "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT",
          "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
          "Sun Nov 6 08:49:37 1994", "1994-11-06T08:49:37Z"}) {
        INFO(bad);
        CHECK_FALSE(parse_http_date(bad));
    }
}

TEST_CASE("dates: format_http_date round-trips through parse", "[static][date]") {
    for (std::int64_t t : {0LL, 784111777LL, 1700000000LL, 4102444800LL}) {
        CHECK(parse_http_date(paasrun::http::format_http_date(t)) == t);
    }
}

TEST_CASE("etag: nginx's shape, mtime and size in hex", "[static][etag]") {
    CHECK(make_etag(0x5f3a1c2b, 0x1a4) == "\"5f3a1c2b-1a4\"");
    CHECK(make_etag(0, 0) == "\"0-0\"");
}

TEST_CASE("If-None-Match: lists, star, weak comparison", "[static][conditional]") {
    const std::string etag = "\"5f3a1c2b-1a4\"";
    CHECK(if_none_match_matches("\"5f3a1c2b-1a4\"", etag));
    CHECK(if_none_match_matches("W/\"5f3a1c2b-1a4\"", etag));  // weak comparison
    CHECK(if_none_match_matches("\"x\", \"5f3a1c2b-1a4\"", etag));
    CHECK(if_none_match_matches("  \"x\" ,W/\"5f3a1c2b-1a4\" , ", etag));
    CHECK(if_none_match_matches("*", etag));
    CHECK_FALSE(if_none_match_matches("\"other\"", etag));
    CHECK_FALSE(if_none_match_matches("5f3a1c2b-1a4", etag));  // unquoted: malformed
    CHECK_FALSE(if_none_match_matches("\"x\" junk \"5f3a1c2b-1a4\"", etag));
    CHECK_FALSE(if_none_match_matches("\"unterminated", etag));
    CHECK_FALSE(if_none_match_matches("", etag));
}

TEST_CASE("If-Modified-Since: not modified when Last-Modified <= date", "[static][conditional]") {
    CHECK(not_modified_since("Sun, 06 Nov 1994 08:49:37 GMT", 784111777));
    CHECK(not_modified_since("Sun, 06 Nov 1994 08:49:38 GMT", 784111777));
    CHECK_FALSE(not_modified_since("Sun, 06 Nov 1994 08:49:36 GMT", 784111777));
    CHECK_FALSE(not_modified_since("garbage", 784111777));  // invalid date: ignored
}

TEST_CASE("If-Range: strong entity-tag or exact date", "[static][conditional]") {
    const std::string etag = "\"5f3a1c2b-1a4\"";
    CHECK(if_range_allows("", etag, 784111777));
    CHECK(if_range_allows("\"5f3a1c2b-1a4\"", etag, 784111777));
    CHECK_FALSE(if_range_allows("W/\"5f3a1c2b-1a4\"", etag, 784111777));  // weak never matches
    CHECK_FALSE(if_range_allows("\"old\"", etag, 784111777));
    CHECK(if_range_allows("Sun, 06 Nov 1994 08:49:37 GMT", etag, 784111777));
    CHECK_FALSE(if_range_allows("Sun, 06 Nov 1994 08:49:38 GMT", etag, 784111777));
    CHECK_FALSE(if_range_allows("nonsense", etag, 784111777));
}

namespace {
Coding pick(std::string_view ae, bool gz = true, bool br = true) {
    bool available[kCodingCount] = {true, gz, br};
    std::uint64_t size[kCodingCount] = {1000, 300, 250};
    return choose_coding(parse_accept_encoding(ae), available, size);
}
}  // namespace

TEST_CASE("Accept-Encoding: q-values pick the variant", "[static][encoding]") {
    CHECK(pick("") == Coding::identity);
    CHECK(pick("gzip") == Coding::gzip);
    CHECK(pick("br") == Coding::br);
    CHECK(pick("gzip, deflate, br") == Coding::br);  // equal q: smaller file
    CHECK(pick("gzip;q=1.0, br;q=0.5") == Coding::gzip);
    CHECK(pick("br;q=0, gzip") == Coding::gzip);
    CHECK(pick("GZIP") == Coding::gzip);
    CHECK(pick("x-gzip") == Coding::gzip);
    CHECK(pick("*") == Coding::br);
    CHECK(pick("*;q=0.5, gzip;q=0.4") == Coding::br);
    CHECK(pick("identity") == Coding::identity);
    CHECK(pick("identity;q=0.5, gzip;q=0.4") == Coding::identity);
    CHECK(pick("gzip;q=0") == Coding::identity);
    CHECK(pick("br", true, false) == Coding::identity);  // no .br sibling
    CHECK(pick("gzip, br", false, false) == Coding::identity);
    CHECK(pick("deflate, compress") == Coding::identity);
}

TEST_CASE("Accept-Encoding: malformed elements are skipped, identity exclusion",
          "[static][encoding]") {
    CHECK(pick("gzip;q=2") == Coding::identity);  // bad qvalue: element dropped
    CHECK(pick("gzip;q=0.5x, br") == Coding::br);
    CHECK(pick("gzip;q=1.001") == Coding::identity);
    CHECK(pick(",,, gzip ,") == Coding::gzip);
    CHECK(pick("gzip;level=9") == Coding::gzip);
    CHECK(pick("gzip;level=9;q=0.8") == Coding::identity);  // identity keeps q=1
    auto w = parse_accept_encoding("*;q=0");
    CHECK(w.q[0] == 0);  // identity excluded by *;q=0
    w = parse_accept_encoding("identity;q=0");
    CHECK(w.q[0] == 0);
    // Nothing acceptable at all: identity anyway (no 406).
    CHECK(pick("identity;q=0", false, false) == Coding::identity);
}

TEST_CASE("hashed names: an 8+ hex part between dots, with a letter", "[static][immutable]") {
    CHECK(has_hash_segment("app.3f2a9c1e.js"));
    CHECK(has_hash_segment("css/main.3f2a9c1e.chunk.css"));
    CHECK(has_hash_segment("base.5af66c1b1797.css"));  // Django ManifestStaticFilesStorage
    CHECK(has_hash_segment("x.ABCDEF12.js"));
    CHECK_FALSE(has_hash_segment("app.js"));
    CHECK_FALSE(has_hash_segment("app.3f2a9c1.js"));       // 7 hex digits
    CHECK_FALSE(has_hash_segment("report.20231231.pdf"));  // digits only: a date, not a hash
    CHECK_FALSE(has_hash_segment("3f2a9c1e3f.js"));        // the first part is the name
    CHECK_FALSE(has_hash_segment("app.3f2a9c1e"));         // the last part is the extension
    CHECK_FALSE(has_hash_segment("app-3f2a9c1e.js"));      // dash-separated: use a prefix
    CHECK_FALSE(has_hash_segment("3f2a9c1e.dir/app.js"));  // only the file name counts
}
