// `paasrun compress`: .gz/.br siblings, the 5% rule, skipped types, idempotence.
#include <brotli/decode.h>
#include <zlib.h>

#include <catch2/catch.hpp>

#include "static_files/compress.hpp"
#include "support.hpp"

using namespace paasrun::static_files;
using namespace paasrun::static_files::test;

namespace {

std::string gunzip(const std::string& in) {
    z_stream zs{};
    REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
    std::string out(1 << 20, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    inflateEnd(&zs);
    REQUIRE(rc == Z_STREAM_END);
    return out;
}

std::string unbrotli(const std::string& in) {
    std::string out(1 << 20, '\0');
    std::size_t size = out.size();
    REQUIRE(BrotliDecoderDecompress(in.size(), reinterpret_cast<const std::uint8_t*>(in.data()),
                                    &size, reinterpret_cast<std::uint8_t*>(out.data())) ==
            BROTLI_DECODER_RESULT_SUCCESS);
    out.resize(size);
    return out;
}

std::string css_text() {
    std::string s;
    for (int i = 0; i < 200; ++i)
        s += ".rule-" + std::to_string(i % 7) + " { color: red; margin: 0 auto; }\n";
    return s;
}

struct stat stat_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st;
}

}  // namespace

TEST_CASE("compress: gzip and brotli round-trip; the 5% rule", "[static][compress]") {
    auto text = css_text();
    auto gz = gzip_compress(text);
    REQUIRE(gz);
    CHECK(gunzip(*gz) == text);
    CHECK(gz->size() < text.size() / 5);
    CHECK(*gzip_compress(text) == *gz);  // reproducible (mtime 0 in the header)
    auto br = brotli_compress(text, true);
    REQUIRE(br);
    CHECK(unbrotli(*br) == text);
    auto empty = brotli_compress("", false);
    REQUIRE(empty);
    CHECK(unbrotli(*empty).empty());

    CHECK(worth_keeping(100, 95));
    CHECK_FALSE(worth_keeping(100, 96));
    CHECK_FALSE(worth_keeping(0, 0));
    CHECK(worth_keeping(1000, 950));
    CHECK_FALSE(worth_keeping(1000, 951));
}

TEST_CASE("compress: writes siblings for compressible files only", "[static][compress]") {
    TempDir tmp;
    const auto text = css_text();
    write_file(tmp / "css" / "app.css", text);
    write_file(tmp / "js" / "app.js", text);
    write_file(tmp / "img" / "logo.png", text);  // compressible bytes, but a png: skipped
    write_file(tmp / "fonts" / "f.woff2", text);
    write_file(tmp / "tiny.txt", "a");                              // does not get 5% smaller
    write_file(tmp / "data.unknownext", text);                      // unknown type: skipped
    write_file(tmp / "old.css.gz", "not touched");                  // itself a .gz: skipped
    write_file(tmp / ".hidden" / "x.css", text);                    // dot directory: skipped
    fs::create_symlink(tmp / "css" / "app.css", tmp / "link.css");  // symlink: skipped
    set_mtime(tmp / "css" / "app.css", 1700000000, 123456789);

    auto r = compress_tree(tmp.str(), {});
    REQUIRE(r);
    CHECK(r->errors.empty());
    CHECK(r->files == 3);  // app.css, app.js, tiny.txt
    CHECK(r->written == 4);
    CHECK(r->not_worth_it == 2);
    CHECK(fs::exists(tmp / "css" / "app.css.gz"));
    CHECK(fs::exists(tmp / "css" / "app.css.br"));
    CHECK(fs::exists(tmp / "js" / "app.js.br"));
    CHECK_FALSE(fs::exists(tmp / "img" / "logo.png.gz"));
    CHECK_FALSE(fs::exists(tmp / "fonts" / "f.woff2.gz"));
    CHECK_FALSE(fs::exists(tmp / "tiny.txt.gz"));
    CHECK_FALSE(fs::exists(tmp / "data.unknownext.gz"));
    CHECK_FALSE(fs::exists(tmp / "old.css.gz.gz"));
    CHECK_FALSE(fs::exists(tmp / ".hidden" / "x.css.gz"));
    CHECK_FALSE(fs::exists(tmp / "link.css.gz"));
    CHECK(read_file(tmp / "old.css.gz") == "not touched");
    CHECK(gunzip(read_file(tmp / "css" / "app.css.gz")) == text);
    CHECK(unbrotli(read_file(tmp / "css" / "app.css.br")) == text);
    // Siblings carry the original's mtime (the idempotence marker).
    auto orig = stat_of(tmp / "css" / "app.css");
    auto sib = stat_of(tmp / "css" / "app.css.gz");
    CHECK(sib.st_mtim.tv_sec == orig.st_mtim.tv_sec);
    CHECK(sib.st_mtim.tv_nsec == orig.st_mtim.tv_nsec);
    // No temp files left behind.
    for (auto& e : fs::recursive_directory_iterator(tmp.path()))
        CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("compress: a second run changes nothing; a changed original is redone",
          "[static][compress]") {
    TempDir tmp;
    write_file(tmp / "app.css", css_text());
    set_mtime(tmp / "app.css", 1700000000);
    REQUIRE(compress_tree(tmp.str(), {})->written == 2);
    auto gz_before = read_file(tmp / "app.css.gz");
    auto ino_before = stat_of(tmp / "app.css.gz").st_ino;

    auto again = compress_tree(tmp.str(), {});
    REQUIRE(again);
    CHECK(again->written == 0);
    CHECK(again->up_to_date == 2);
    CHECK(stat_of(tmp / "app.css.gz").st_ino == ino_before);  // not rewritten

    write_file(tmp / "app.css", css_text() + "/* more */\n");
    set_mtime(tmp / "app.css", 1700000100);
    auto redo = compress_tree(tmp.str(), {});
    REQUIRE(redo);
    CHECK(redo->written == 2);
    CHECK(read_file(tmp / "app.css.gz") != gz_before);
    CHECK(gunzip(read_file(tmp / "app.css.gz")) == css_text() + "/* more */\n");

    // The original becomes incompressible: its stale siblings are removed, never served.
    write_file(tmp / "app.css", "x");
    set_mtime(tmp / "app.css", 1700000200);
    auto stale = compress_tree(tmp.str(), {});
    REQUIRE(stale);
    CHECK(stale->removed_stale == 2);
    CHECK_FALSE(fs::exists(tmp / "app.css.gz"));
    CHECK_FALSE(fs::exists(tmp / "app.css.br"));
}

TEST_CASE("compress: options and errors", "[static][compress]") {
    TempDir tmp;
    write_file(tmp / "app.js", css_text());
    CompressOptions only_gzip;
    only_gzip.brotli = false;
    std::vector<std::string> written;
    auto r =
        compress_tree(tmp.str(), only_gzip, [&](const std::string& p) { written.push_back(p); });
    REQUIRE(r);
    CHECK(written == std::vector<std::string>{(tmp / "app.js.gz").string()});
    CHECK_FALSE(fs::exists(tmp / "app.js.br"));

    CHECK_FALSE(compress_tree((tmp / "missing").string(), {}));
    CHECK_FALSE(compress_tree((tmp / "app.js").string(), {}));

    fs::create_directory(tmp / "app.js.br");  // a directory where a sibling should go
    auto bad = compress_tree(tmp.str(), {});
    REQUIRE(bad);
    CHECK(bad->errors.size() == 1);
}

TEST_CASE("compress: the served tree negotiates the siblings it wrote", "[static][compress]") {
    TempDir tmp;
    write_file(tmp / "s" / "app.css", css_text());
    REQUIRE(compress_tree((tmp / "s").string(), {}));
    StaticConfig cfg;
    cfg.mounts = {{"/s", (tmp / "s").string()}};
    auto files = open_or_throw(cfg);
    auto r = get("/s/app.css");
    r.accept_encoding = "gzip, deflate, br";
    auto d = files->resolve(r);
    CHECK(d.plan.header("Content-Encoding") == "br");
    CHECK(unbrotli(body_of(d.plan)) == css_text());
    r.accept_encoding = "gzip";
    CHECK(gunzip(body_of(files->resolve(r).plan)) == css_text());
}
