// wsgi.input: read/readline/readlines/iteration over a memory body and a file body (pread),
// bounded by the body size and EOF-correct.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "util/unique_fd.hpp"

using namespace paasrun::wsgi;
using namespace paasrun::wsgi::test;
using nlohmann::json;

namespace {

// A body placed in memory or in an unlinked temp file behind some junk (offset != 0),
// followed by junk the stream must never return.
struct BodySource {
    std::string data;
    paasrun::unique_fd fd;

    BodySource(std::string body, bool in_file) : data(std::move(body)) {
        if (!in_file) return;
        char path[] = "/tmp/paasrun-wsgi-body-XXXXXX";
        fd.reset(::mkstemp(path));
        REQUIRE(fd.valid());
        ::unlink(path);
        std::string content = "JUNK" + data + "TRAILING-JUNK";
        REQUIRE(::write(fd.get(), content.data(), content.size()) ==
                static_cast<ssize_t>(content.size()));
    }
    Body body() const {
        return fd.valid() ? Body::in_file(fd.get(), data.size(), 4) : Body::in_memory(data);
    }
};

json ops(const BodySource& src, std::string_view script) {
    RequestBuilder b;
    b.request.body = src.body();
    b.header("X-Ops", script);
    Response r = run(app("input_app"), b.request);
    INFO(r.error);
    REQUIRE_FALSE(r.failed);
    return json::parse(r.body);
}

}  // namespace

TEST_CASE("wsgi.input: read() bounded by the body", "[wsgi][input]") {
    bool in_file = GENERATE(false, true);
    INFO("file body: " << in_file);
    BodySource src("hello world", in_file);
    CHECK(ops(src, "read:5,read:1,read,read,read:3") == json({"hello", " ", "world", "", ""}));
    CHECK(ops(src, "read:none") == json({"hello world"}));
    CHECK(ops(src, "read:-1") == json({"hello world"}));
    CHECK(ops(src, "read:0,read:100") == json({"", "hello world"}));
}

TEST_CASE("wsgi.input: readline() and its size limit", "[wsgi][input]") {
    bool in_file = GENERATE(false, true);
    INFO("file body: " << in_file);
    BodySource src("line one\nline two\n\nlast", in_file);
    CHECK(ops(src, "readline,readline,readline,readline,readline") ==
          json({"line one\n", "line two\n", "\n", "last", ""}));
    CHECK(ops(src, "readline:4,readline:100,readline:0,readline:none,read") ==
          json({"line", " one\n", "", "line two\n", "\nlast"}));
    CHECK(ops(src, "read:3,readline") == json({"lin", "e one\n"}));
}

TEST_CASE("wsgi.input: readlines(hint) and iteration", "[wsgi][input]") {
    bool in_file = GENERATE(false, true);
    INFO("file body: " << in_file);
    BodySource src("a\nbb\nccc\ndddd", in_file);
    CHECK(ops(src, "readlines") == json({json({"a\n", "bb\n", "ccc\n", "dddd"})}));
    // hint: stop once the lines read so far reach it (io.IOBase semantics)
    CHECK(ops(src, "readlines:3,readlines") ==
          json::array({json::array({"a\n", "bb\n"}), json::array({"ccc\n", "dddd"})}));
    CHECK(ops(src, "readline,iter,iter") ==
          json({"a\n", json({"bb\n", "ccc\n", "dddd"}), json::array()}));
}

TEST_CASE("wsgi.input: lines longer than the file read-ahead", "[wsgi][input]") {
    bool in_file = GENERATE(false, true);
    INFO("file body: " << in_file);
    std::string big(20000, 'x');
    BodySource src(big + "\n" + "tail", in_file);
    json out = ops(src, "readline:10,readline,readline,readline");
    CHECK(out[0] == std::string(10, 'x'));
    CHECK(out[1] == std::string(19990, 'x') + "\n");
    CHECK(out[2] == "tail");
    CHECK(out[3] == "");
    json whole = ops(src, "read:9000,read:9000,read");
    CHECK(whole[0].get<std::string>() + whole[1].get<std::string>() + whole[2].get<std::string>() ==
          src.data);
}

TEST_CASE("wsgi.input: binary bytes round-trip", "[wsgi][input]") {
    bool in_file = GENERATE(false, true);
    std::string data;
    for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(i));
    BodySource src(data, in_file);
    json out = ops(src, "read");
    // input_app decodes as latin-1 and JSON-encodes as UTF-8: compare code points.
    std::string text = out[0].get<std::string>();
    std::string back;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            back.push_back(static_cast<char>(c));
        } else {
            unsigned char d = static_cast<unsigned char>(text[++i]);
            back.push_back(static_cast<char>(((c & 0x1F) << 6) | (d & 0x3F)));
        }
    }
    CHECK(back == data);
}

TEST_CASE("wsgi.input: bad arguments raise TypeError", "[wsgi][input]") {
    BodySource src("x", false);
    CHECK(ops(src, "badargs") ==
          json::array({json::array({"TypeError", "TypeError", "TypeError", "TypeError"})}));
}

TEST_CASE("wsgi.input: a truncated body file raises OSError", "[wsgi][input]") {
    BodySource src("0123456789", true);
    REQUIRE(::ftruncate(src.fd.get(), 8) == 0);  // "JUNK0123": 4 body bytes left
    RequestBuilder b;
    b.request.body = src.body();
    b.header("X-Ops", "read");
    Response r = run(app("input_app"), b.request);
    CHECK(r.failed);
    CHECK(r.error.find("OSError") != std::string::npos);
}

TEST_CASE("wsgi.input: the validator accepts every read method", "[wsgi][input][validate]") {
    RequestBuilder b;
    std::string data = "first line\nsecond\nthird\nfourth";
    b.request.body = Body::in_memory(data);
    Response r = run(app("validated_app:reads_everything"), b.request);
    INFO(r.error);
    REQUIRE_FALSE(r.failed);
    CHECK(r.body == "first line\n|seco|nd\nthird\nfourth|");
}
