// wsgi.file_wrapper: a real file becomes one sendfile region; anything else is iterated.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "support.hpp"

using namespace paasrun::wsgi;
using namespace paasrun::wsgi::test;

namespace {

struct TempFile {
    std::string path;
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/paasrun-wsgi-file-XXXXXX";
        int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = name;
        std::ofstream(path, std::ios::binary) << content;
    }
    ~TempFile() { ::unlink(path.c_str()); }
};

std::string content() {
    std::string s;
    for (int i = 0; i < 100000; ++i) s.push_back(static_cast<char>('a' + i % 26));
    return s;
}

}  // namespace

TEST_CASE("file_wrapper: a real file is handed out as one sendfile region", "[wsgi][file]") {
    TempFile f(content());
    RequestBuilder b;
    b.header("X-File", f.path);
    Response r = run(app("file_app:real_file"), b.request);
    INFO(r.error);
    REQUIRE_FALSE(r.failed);
    CHECK(r.file_chunks == 1);
    CHECK(r.data_chunks == 0);
    CHECK(r.body == content());
    CHECK(r.length_hint == std::optional<std::uint64_t>(content().size()));
    CHECK(r.last_seen);
}

TEST_CASE("file_wrapper: the region starts at the file object's position", "[wsgi][file]") {
    TempFile f(content());
    RequestBuilder b;
    b.header("X-File", f.path).header("X-Skip", "1000");
    Response r = run(app("file_app:real_file"), b.request);
    REQUIRE_FALSE(r.failed);
    CHECK(r.body == content().substr(1000));
    CHECK(r.length_hint == std::optional<std::uint64_t>(content().size() - 1000));
}

TEST_CASE("file_wrapper: an empty file is an empty body", "[wsgi][file]") {
    TempFile f("");
    RequestBuilder b;
    b.header("X-File", f.path);
    Response r = run(app("file_app:real_file"), b.request);
    REQUIRE_FALSE(r.failed);
    CHECK(r.committed);
    CHECK(r.file_chunks == 0);
    CHECK(r.body.empty());
}

TEST_CASE("file_wrapper: a BytesIO is iterated in blksize blocks and closed", "[wsgi][file]") {
    REQUIRE(py_exec("__import__('file_app').closed.clear()").empty());
    Response r = run(app("file_app:bytes_io"), Request{});
    REQUIRE_FALSE(r.failed);
    CHECK(r.file_chunks == 0);
    CHECK(r.data_chunks == 3);  // 4096 + 4096 + 1811
    CHECK(r.body == std::string(10000, 'x') + "end");
    CHECK(py_eval("__import__('file_app').closed") == "['bytesio']");
}

TEST_CASE("file_wrapper: a wrapped file under the validator still works",
          "[wsgi][file][validate]") {
    TempFile f("validated file body");
    RequestBuilder b;
    b.header("X-File", f.path);
    Response r = run(app("validated_app:file"), b.request);
    INFO(r.error);
    REQUIRE_FALSE(r.failed);
    CHECK(r.body == "validated file body");
}
