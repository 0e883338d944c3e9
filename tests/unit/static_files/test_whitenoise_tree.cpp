// Every serving rule against the whitenoise fixture tree (copied into a temp dir so mtimes
// are known and files can be changed).
#include <catch2/catch.hpp>

#include "static_files/conditional.hpp"
#include "support.hpp"

using namespace paasrun::static_files;
using namespace paasrun::static_files::test;

namespace {

constexpr std::int64_t kMtime = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT

struct Tree {
    TempDir tmp;
    StaticConfig cfg;
    Tree() {
        copy_whitenoise_tree(tmp.path());
        for (auto& e : fs::recursive_directory_iterator(tmp.path()))
            if (e.is_regular_file()) set_mtime(e.path(), kMtime);
        cfg.mounts = {{"/static", (tmp / "static").string()},
                      {"/assets/", (tmp / "assets").string()}};
        cfg.root = (tmp / "root").string();
    }
    std::unique_ptr<StaticFiles> open() const { return open_or_throw(cfg); }
    std::string file(std::string_view rel) const { return read_file(tmp / rel); }
};

std::string etag_of(const Tree& t, std::string_view rel) {
    return make_etag(kMtime, fs::file_size(t.tmp / rel));
}

}  // namespace

TEST_CASE("tree: GET a file: status, body and every field", "[static][tree]") {
    Tree t;
    auto files = t.open();
    auto d = files->resolve(get("/static/app.js"));
    REQUIRE(d.mine);
    const auto& p = d.plan;
    CHECK(p.status == 200);
    CHECK(body_of(p) == t.file("static/app.js"));
    CHECK(p.header("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(p.header("Content-Length") == std::to_string(t.file("static/app.js").size()));
    CHECK(p.header("Last-Modified") == "Tue, 14 Nov 2023 22:13:20 GMT");
    CHECK(p.header("ETag") == etag_of(t, "static/app.js"));
    CHECK(p.header("Cache-Control") == "public, max-age=60");
    CHECK(p.header("Vary") == "Accept-Encoding");
    CHECK_FALSE(p.header("Content-Encoding"));
    CHECK_FALSE(p.header("Access-Control-Allow-Origin"));
    CHECK(p.body == BodySource::memory);  // small: kept in memory

    auto css = files->resolve(get("/static/styles.css"));
    CHECK(css.plan.header("Content-Type") == "text/css; charset=utf-8");
    auto gif = files->resolve(get("/static/directory/pixel.gif"));
    CHECK(gif.plan.header("Content-Type") == "image/gif");
    CHECK(body_of(gif.plan) == t.file("static/directory/pixel.gif"));
    auto custom = files->resolve(get("/assets/custom-mime.foobar"));
    CHECK(custom.plan.header("Content-Type") == "application/octet-stream");
}

TEST_CASE("tree: HEAD has the GET fields and no body", "[static][tree]") {
    Tree t;
    auto files = t.open();
    auto g = files->resolve(get("/static/styles.css"));
    auto h = files->resolve(get("/static/styles.css", "HEAD"));
    REQUIRE(h.mine);
    CHECK(h.plan.status == 200);
    CHECK(h.plan.fields() == g.plan.fields());
    CHECK(h.plan.content_length == g.plan.content_length);
    CHECK(h.plan.body == BodySource::none);
    CHECK(h.plan.length == 0);
    CHECK(h.plan.head_request);
}

TEST_CASE("tree: other methods get 405 with Allow", "[static][tree][method]") {
    Tree t;
    auto files = t.open();
    for (auto m : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get"}) {
        INFO(m);
        auto d = files->resolve(get("/static/app.js", m));
        REQUIRE(d.mine);
        CHECK(d.plan.status == 405);
        CHECK(d.plan.header("Allow") == "GET, HEAD");
    }
    // A redirect target is ours too.
    CHECK(files->resolve(get("/static/with-index", "POST")).plan.status == 405);
    // A miss with fallthrough goes to the app whatever the method (it may own the URL).
    CHECK_FALSE(files->resolve(get("/static/upload", "POST")).mine);
}

TEST_CASE("tree: fallthrough off answers 404 / 405 under a mount", "[static][tree][fallthrough]") {
    Tree t;
    t.cfg.fallthrough = false;
    auto files = t.open();
    auto d = files->resolve(get("/static/missing.js"));
    REQUIRE(d.mine);
    CHECK(d.plan.status == 404);
    CHECK(body_of(d.plan) == "Not Found\n");
    CHECK(files->resolve(get("/static/missing.js", "POST")).plan.status == 405);
    CHECK(files->resolve(get("/static/../secret")).plan.status == 404);   // refused path
    CHECK(files->resolve(get("/static/directory/")).plan.status == 404);  // no index
    auto head = files->resolve(get("/static/missing.js", "HEAD"));
    CHECK(head.plan.status == 404);
    CHECK(head.plan.body == BodySource::none);
    // Misses under the root never stop at the static layer: the app owns "/".
    CHECK_FALSE(files->resolve(get("/missing")).mine);
    CHECK_FALSE(files->resolve(get("/api/users", "POST")).mine);
}

TEST_CASE("tree: paths outside every mount are not ours", "[static][tree][routing]") {
    Tree t;
    t.cfg.root.clear();
    auto files = t.open();
    CHECK_FALSE(files->resolve(get("/")).mine);
    CHECK_FALSE(files->resolve(get("/static")).mine);  // the prefix without its slash
    CHECK_FALSE(files->resolve(get("/staticfoo/app.js")).mine);
    CHECK_FALSE(files->resolve(get("*", "OPTIONS")).mine);
    CHECK_FALSE(files->resolve(get("")).mine);
    CHECK_FALSE(files->resolve(get("/static/missing.js")).mine);
    CHECK(files->resolve(get("/static/app.js?v=3")).plan.status == 200);  // query ignored
}

TEST_CASE("tree: the root directory serves at /", "[static][tree][root]") {
    Tree t;
    auto files = t.open();
    auto d = files->resolve(get("/robots.txt"));
    REQUIRE(d.mine);
    CHECK(d.plan.status == 200);
    CHECK(body_of(d.plan) == t.file("root/robots.txt"));
    CHECK(d.plan.header("Content-Type") == "text/plain; charset=utf-8");
    CHECK_FALSE(files->resolve(get("/favicon.ico")).mine);
    CHECK_FALSE(files->resolve(get("/")).mine);  // no index.html in root: the app's home page
    // Mounts win over the root.
    CHECK(body_of(files->resolve(get("/static/app.js")).plan) == t.file("static/app.js"));
}

TEST_CASE("tree: 304 by If-None-Match and If-Modified-Since; the ETag wins",
          "[static][tree][conditional]") {
    Tree t;
    auto files = t.open();
    const std::string etag = etag_of(t, "static/app.js");

    auto r = get("/static/app.js");
    r.if_none_match = etag;
    auto d = files->resolve(r);
    CHECK(d.plan.status == 304);
    CHECK(d.plan.header("ETag") == etag);
    CHECK(d.plan.header("Cache-Control") == "public, max-age=60");
    CHECK(d.plan.header("Vary") == "Accept-Encoding");
    CHECK_FALSE(d.plan.header("Content-Type"));
    CHECK_FALSE(d.plan.content_length);
    CHECK(d.plan.body == BodySource::none);

    std::string weak = "W/" + etag;
    r.if_none_match = weak;
    CHECK(files->resolve(r).plan.status == 304);

    r = get("/static/app.js", "HEAD");
    const std::string listed = "\"a\", " + etag;
    r.if_none_match = listed;
    CHECK(files->resolve(r).plan.status == 304);

    r = get("/static/app.js");
    r.if_modified_since = "Tue, 14 Nov 2023 22:13:20 GMT";
    CHECK(files->resolve(r).plan.status == 304);
    r.if_modified_since = "Wed, 15 Nov 2023 00:00:00 GMT";
    CHECK(files->resolve(r).plan.status == 304);
    r.if_modified_since = "Tue, 14 Nov 2023 22:13:19 GMT";
    CHECK(files->resolve(r).plan.status == 200);
    r.if_modified_since = "not a date";
    CHECK(files->resolve(r).plan.status == 200);

    // If-None-Match present and not matching: If-Modified-Since is not consulted.
    r = get("/static/app.js");
    r.if_none_match = "\"stale\"";
    r.if_modified_since = "Wed, 15 Nov 2023 00:00:00 GMT";
    CHECK(files->resolve(r).plan.status == 200);

    // Conditionals never turn a POST into a 304.
    r = get("/static/app.js", "POST");
    r.if_none_match = etag;
    CHECK(files->resolve(r).plan.status == 405);
}

TEST_CASE("tree: Range -> 206 / 416; If-Range; several ranges -> 200", "[static][tree][range]") {
    Tree t;
    auto files = t.open();
    const std::string body = t.file("static/styles.css");
    const auto len = std::to_string(body.size());

    auto r = get("/static/styles.css");
    r.range = "bytes=0-9";
    auto d = files->resolve(r);
    CHECK(d.plan.status == 206);
    CHECK(d.plan.header("Content-Range") == "bytes 0-9/" + len);
    CHECK(d.plan.header("Content-Length") == "10");
    CHECK(body_of(d.plan) == body.substr(0, 10));
    CHECK(d.plan.header("ETag") == etag_of(t, "static/styles.css"));

    r.range = "bytes=-5";
    d = files->resolve(r);
    CHECK(d.plan.status == 206);
    CHECK(body_of(d.plan) == body.substr(body.size() - 5));

    const std::string past_end = "bytes=" + len + "-";
    r.range = past_end;
    d = files->resolve(r);
    CHECK(d.plan.status == 416);
    CHECK(d.plan.header("Content-Range") == "bytes */" + len);
    CHECK(d.plan.content_length == 0u);
    CHECK(d.plan.body == BodySource::none);

    r.range = "bytes=0-1,4-5";
    d = files->resolve(r);
    CHECK(d.plan.status == 200);
    CHECK(body_of(d.plan) == body);

    r.range = "bytes=abc";
    CHECK(files->resolve(r).plan.status == 200);

    r.range = "bytes=0-9";
    const std::string styles_etag = etag_of(t, "static/styles.css");
    r.if_range = styles_etag;
    CHECK(files->resolve(r).plan.status == 206);
    r.if_range = "\"changed\"";
    CHECK(files->resolve(r).plan.status == 200);
    r.if_range = "Tue, 14 Nov 2023 22:13:20 GMT";
    CHECK(files->resolve(r).plan.status == 206);
    r.if_range = "Tue, 14 Nov 2023 22:13:21 GMT";
    CHECK(files->resolve(r).plan.status == 200);

    // HEAD ignores Range (RFC 9110 14.2).
    r = get("/static/styles.css", "HEAD");
    r.range = "bytes=0-9";
    CHECK(files->resolve(r).plan.status == 200);

    // A matching If-None-Match beats Range.
    r = get("/static/styles.css");
    r.range = "bytes=0-9";
    r.if_none_match = styles_etag;
    CHECK(files->resolve(r).plan.status == 304);
}

TEST_CASE("tree: directory index and the redirect to dir/", "[static][tree][index]") {
    Tree t;
    auto files = t.open();
    auto d = files->resolve(get("/static/with-index/"));
    REQUIRE(d.mine);
    CHECK(d.plan.status == 200);
    CHECK(body_of(d.plan) == t.file("static/with-index/index.html"));
    CHECK(d.plan.header("Content-Type") == "text/html; charset=utf-8");

    d = files->resolve(get("/static/with-index"));
    CHECK(d.plan.status == 302);
    CHECK(d.plan.header("Location") == "/static/with-index/");
    CHECK(d.plan.content_length == 0u);
    d = files->resolve(get("/static/with-index?a=1&b=2"));
    CHECK(d.plan.header("Location") == "/static/with-index/?a=1&b=2");
    // Bytes outside visible ASCII in the query are percent-encoded, never echoed raw.
    d = files->resolve(get("/static/with-index?a=\x02\xff b"));
    CHECK(d.plan.header("Location") == "/static/with-index/?a=%02%FF%20b");
    d = files->resolve(get("/assets/with-index", "HEAD"));
    CHECK(d.plan.status == 302);

    // The index file is also served under its own name (as nginx does).
    CHECK(files->resolve(get("/static/with-index/index.html")).plan.status == 200);
    // A directory without index.html is not ours (no listing).
    CHECK_FALSE(files->resolve(get("/static/directory")).mine);
    CHECK_FALSE(files->resolve(get("/static/directory/")).mine);
    // The mount's own directory: index.html there if any.
    CHECK_FALSE(files->resolve(get("/static/")).mine);
    write_file(t.tmp / "static" / "index.html", "home");
    CHECK(body_of(t.open()->resolve(get("/static/")).plan) == "home");  // a fresh cache
    // A file asked for as a directory is a miss.
    CHECK_FALSE(files->resolve(get("/static/app.js/")).mine);
}

TEST_CASE("tree: precompressed siblings by Accept-Encoding", "[static][tree][encoding]") {
    Tree t;
    auto files = t.open();
    const std::string gz = t.file("assets/compressed.css.gz");

    auto r = get("/assets/compressed.css");
    r.accept_encoding = "gzip, deflate";
    auto d = files->resolve(r);
    CHECK(d.plan.status == 200);
    CHECK(d.plan.header("Content-Encoding") == "gzip");
    CHECK(d.plan.header("Content-Type") == "text/css; charset=utf-8");
    CHECK(d.plan.header("Content-Length") == std::to_string(gz.size()));
    CHECK(d.plan.header("Vary") == "Accept-Encoding");
    CHECK(d.plan.header("ETag") == etag_of(t, "assets/compressed.css.gz"));
    CHECK(body_of(d.plan) == gz);

    r.accept_encoding = "";
    d = files->resolve(r);
    CHECK_FALSE(d.plan.header("Content-Encoding"));
    CHECK(body_of(d.plan) == t.file("assets/compressed.css"));
    CHECK(d.plan.header("Vary") == "Accept-Encoding");

    r.accept_encoding = "gzip;q=0, identity";
    CHECK_FALSE(files->resolve(r).plan.header("Content-Encoding"));

    // A .br sibling wins over .gz when smaller and equally acceptable.
    write_file(t.tmp / "assets" / "compressed.css.br", "tiny");
    auto fresh = t.open();
    r.accept_encoding = "gzip, br";
    d = fresh->resolve(r);
    CHECK(d.plan.header("Content-Encoding") == "br");
    CHECK(body_of(d.plan) == "tiny");
    r.accept_encoding = "gzip, br;q=0.5";
    CHECK(fresh->resolve(r).plan.header("Content-Encoding") == "gzip");

    // Range applies to the selected variant.
    r.accept_encoding = "gzip";
    r.range = "bytes=0-3";
    d = fresh->resolve(r);
    CHECK(d.plan.status == 206);
    CHECK(d.plan.header("Content-Range") == "bytes 0-3/" + std::to_string(gz.size()));
    CHECK(body_of(d.plan) == gz.substr(0, 4));

    // 304 compares against the selected variant's ETag.
    r = get("/assets/compressed.css");
    r.accept_encoding = "gzip";
    const std::string gz_etag = etag_of(t, "assets/compressed.css.gz");
    r.if_none_match = gz_etag;
    CHECK(fresh->resolve(r).plan.status == 304);
    r.accept_encoding = "";
    CHECK(fresh->resolve(r).plan.status == 200);
}

TEST_CASE("tree: a .gz file asked for by its own name is served as itself",
          "[static][tree][encoding]") {
    Tree t;
    auto files = t.open();
    auto r = get("/assets/compressed.css.gz");
    r.accept_encoding = "gzip, br";
    auto d = files->resolve(r);
    CHECK(d.plan.status == 200);
    CHECK(d.plan.header("Content-Type") == "application/gzip");
    CHECK_FALSE(d.plan.header("Content-Encoding"));
    CHECK(body_of(d.plan) == t.file("assets/compressed.css.gz"));
}

TEST_CASE("tree: precompressed lookups can be turned off", "[static][tree][encoding]") {
    Tree t;
    t.cfg.precompressed = false;
    auto files = t.open();
    auto r = get("/assets/compressed.css");
    r.accept_encoding = "gzip";
    auto d = files->resolve(r);
    CHECK_FALSE(d.plan.header("Content-Encoding"));
    CHECK(d.plan.header("Vary") == "Accept-Encoding");
}

TEST_CASE("tree: a non-ASCII name, percent-encoded", "[static][tree]") {
    Tree t;
    auto files = t.open();
    auto d = files->resolve(get("/static/nonascii%E2%9C%93.txt"));
    REQUIRE(d.mine);
    CHECK(d.plan.status == 200);
    CHECK(body_of(d.plan) == t.file("static/nonascii\xE2\x9C\x93.txt"));
    // Raw UTF-8 in the target (some clients send it) reaches the same file.
    CHECK(files->resolve(get("/static/nonascii\xE2\x9C\x93.txt")).plan.status == 200);
}

TEST_CASE("tree: dotfiles are hidden unless allowed", "[static][tree][dotfiles]") {
    Tree t;
    write_file(t.tmp / "static" / ".env", "SECRET=1");
    auto files = t.open();
    CHECK_FALSE(files->resolve(get("/static/directory/.keep")).mine);
    CHECK_FALSE(files->resolve(get("/static/.env")).mine);
    CHECK_FALSE(files->resolve(get("/static/%2eenv")).mine);
    t.cfg.serve_dotfiles = true;
    auto open = t.open();
    CHECK(body_of(open->resolve(get("/static/.env")).plan) == "SECRET=1");
}

TEST_CASE("tree: Cache-Control for hashed names, immutable prefixes, max_age",
          "[static][tree][cache-control]") {
    Tree t;
    write_file(t.tmp / "static" / "app.3f2a9c1e.js", "x");
    write_file(t.tmp / "static" / "vendor" / "lib.js", "y");
    t.cfg.immutable_prefixes = {"/static/vendor/"};
    t.cfg.max_age = 300;
    auto files = t.open();
    constexpr auto kYear = "public, max-age=31536000, immutable";
    CHECK(files->resolve(get("/static/app.3f2a9c1e.js")).plan.header("Cache-Control") == kYear);
    CHECK(files->resolve(get("/static/vendor/lib.js")).plan.header("Cache-Control") == kYear);
    CHECK(files->resolve(get("/static/app.js")).plan.header("Cache-Control") ==
          "public, max-age=300");
    auto r = get("/static/app.3f2a9c1e.js");
    r.if_none_match = "*";
    CHECK(files->resolve(r).plan.header("Cache-Control") == kYear);  // also on 304
}

TEST_CASE("tree: CORS adds Access-Control-Allow-Origin: *", "[static][tree][cors]") {
    Tree t;
    t.cfg.cors = true;
    auto files = t.open();
    CHECK(files->resolve(get("/static/app.js")).plan.header("Access-Control-Allow-Origin") == "*");
    auto r = get("/static/app.js");
    r.range = "bytes=999999-";
    CHECK(files->resolve(r).plan.header("Access-Control-Allow-Origin") == "*");
}

TEST_CASE("tree: empty files", "[static][tree]") {
    Tree t;
    write_file(t.tmp / "static" / "empty.txt", "");
    auto files = t.open();
    auto d = files->resolve(get("/static/empty.txt"));
    CHECK(d.plan.status == 200);
    CHECK(d.plan.content_length == 0u);
    CHECK(d.plan.body == BodySource::none);
    auto r = get("/static/empty.txt");
    r.range = "bytes=0-";
    CHECK(files->resolve(r).plan.status == 200);
}

TEST_CASE("tree: large files are sent from their fd", "[static][tree][sendfile]") {
    Tree t;
    std::string big(200 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    write_file(t.tmp / "static" / "big.bin", big);
    auto files = t.open();
    auto d = files->resolve(get("/static/big.bin"));
    REQUIRE(d.plan.body == BodySource::file);
    CHECK(d.plan.fd >= 0);
    CHECK(d.plan.offset == 0);
    CHECK(d.plan.length == big.size());
    CHECK(body_of(d.plan) == big);

    auto r = get("/static/big.bin");
    r.range = "bytes=100000-100099";
    d = files->resolve(r);
    CHECK(d.plan.status == 206);
    CHECK(d.plan.body == BodySource::file);
    CHECK(d.plan.offset == 100000);
    CHECK(body_of(d.plan) == big.substr(100000, 100));
}

TEST_CASE("tree: open() validates the configuration", "[static][tree][config]") {
    Tree t;
    StaticConfig cfg;
    cfg.mounts = {{"/static", (t.tmp / "nope").string()}};
    auto r = StaticFiles::open(cfg);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("/static/") != std::string::npos);
    CHECK(r.error().message.find("nope") != std::string::npos);

    cfg.mounts = {{"static", (t.tmp / "static").string()}};
    CHECK_FALSE(StaticFiles::open(cfg));
    cfg.mounts = {{"/s", (t.tmp / "static").string()}, {"/s/", (t.tmp / "assets").string()}};
    CHECK_FALSE(StaticFiles::open(cfg));
    cfg.mounts = {{"/s", (t.tmp / "static" / "app.js").string()}};  // not a directory
    CHECK_FALSE(StaticFiles::open(cfg));
    cfg.mounts = {{"/s", ""}};
    CHECK_FALSE(StaticFiles::open(cfg));

    cfg.mounts = {{"/static", (t.tmp / "static").string()},
                  {"/static/directory", (t.tmp / "assets").string()}};
    auto ok = StaticFiles::open(cfg);
    REQUIRE(ok);
    CHECK((*ok)->describe_mounts().front().rfind("/static/directory/=", 0) == 0);  // longest first
    // The longer prefix wins: /static/directory/compressed.css comes from assets.
    CHECK((*ok)->resolve(get("/static/directory/compressed.css")).plan.status == 200);
}

TEST_CASE("tree: a mount at / behaves like the root (misses fall through)",
          "[static][tree][config]") {
    Tree t;
    StaticConfig cfg;
    cfg.mounts = {{"/", (t.tmp / "root").string()}};
    cfg.fallthrough = false;
    auto files = open_or_throw(cfg);
    CHECK(files->resolve(get("/robots.txt")).plan.status == 200);
    CHECK_FALSE(files->resolve(get("/anything")).mine);
}
