// Unpacking deploy archives without trusting them (src/deploy/archive.hpp).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "deploy/archive.hpp"
#include "deploy/tar_header.hpp"
#include "tar_builder.hpp"

using namespace paasrun::deploy;
using paasrun::deploy::test::TarBuilder;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/paasrun-unit-archive-XXXXXX";
        path = ::mkdtemp(tmpl);
        fs::create_directories(path / "out");
    }
    ~TempDir() { fs::remove_all(path); }
    fs::path out() const { return path / "out"; }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("safe_member_path normalises names and refuses escapes", "[deploy][archive]") {
    CHECK(*safe_member_path("./app/x.py") == "app/x.py");
    CHECK(*safe_member_path("app//x/") == "app/x");
    CHECK(*safe_member_path("./") == "");
    CHECK(!safe_member_path("/etc/passwd"));
    CHECK(!safe_member_path("../x"));
    CHECK(!safe_member_path("a/../../x"));
    CHECK(!safe_member_path(std::string("a\0b", 3)));
}

TEST_CASE("parse_tar_header checks the checksum and reads fields", "[deploy][archive]") {
    auto h = test::tar_header("dir/file.txt", '0', 1234, "", 0755);
    auto parsed = parse_tar_header(h);
    REQUIRE(parsed);
    CHECK(parsed->name == "dir/file.txt");
    CHECK(parsed->size == 1234);
    CHECK(parsed->mode == 0755);
    CHECK(parsed->type == TarType::file);
    h[0] = 'X';  // corrupt: the checksum no longer matches
    CHECK(!parse_tar_header(h));
}

TEST_CASE("apply_pax sets path and size and refuses malformed records", "[deploy][archive]") {
    TarHeader h;
    REQUIRE(apply_pax("21 path=long/name.py\n12 size=500\n", h));
    CHECK(h.name == "long/name.py");
    CHECK(h.size == 500);
    CHECK(!apply_pax("99 path=x\n", h));
    CHECK(!apply_pax("garbage", h));
}

TEST_CASE("unpack_archive extracts files, directories, links and modes", "[deploy][archive]") {
    TempDir t;
    auto tar = TarBuilder()
                   .dir("./")
                   .dir("app/")
                   .file("app/run.sh", "#!/bin/sh\necho hi\n", 04755)
                   .symlink("app/python", "/usr/bin/python3")
                   .hardlink("app/run2.sh", "app/run.sh")
                   .pax_path("app/a-very-long-name.txt")
                   .file("ignored-name", "pax wins")
                   .write(t.path / "a.tar");
    auto stats = unpack_archive(tar, t.out());
    REQUIRE(stats);
    CHECK(stats->files == 2);
    CHECK(slurp(t.out() / "app/run.sh") == "#!/bin/sh\necho hi\n");
    CHECK(slurp(t.out() / "app/run2.sh") == "#!/bin/sh\necho hi\n");
    CHECK(slurp(t.out() / "app/a-very-long-name.txt") == "pax wins");
    CHECK(fs::read_symlink(t.out() / "app/python") == "/usr/bin/python3");
    struct stat st {};
    REQUIRE(::stat((t.out() / "app/run.sh").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);  // setuid dropped
}

TEST_CASE("unpack_archive never writes through a symlink", "[deploy][archive]") {
    TempDir t;
    fs::create_directories(t.path / "victim");
    auto tar = TarBuilder()
                   .symlink("escape", (t.path / "victim").string())
                   .file("escape/owned.txt", "gotcha")
                   .write(t.path / "a.tar");
    auto r = unpack_archive(tar, t.out());
    REQUIRE(!r);
    CHECK_THAT(r.error().message, Catch::Contains("symlink"));
    CHECK(!fs::exists(t.path / "victim/owned.txt"));
}

TEST_CASE("unpack_archive refuses absolute names, .. and special files", "[deploy][archive]") {
    TempDir t;
    SECTION("absolute") {
        auto r = unpack_archive(TarBuilder().file("/tmp/x", "x").write(t.path / "a.tar"), t.out());
        CHECK(!r);
    }
    SECTION("dot-dot") {
        auto r =
            unpack_archive(TarBuilder().file("a/../../x", "x").write(t.path / "a.tar"), t.out());
        REQUIRE(!r);
        CHECK_THAT(r.error().message, Catch::Contains(".."));
        CHECK(!fs::exists(t.path / "x"));
    }
    SECTION("hard link leaving the archive") {
        auto r = unpack_archive(
            TarBuilder().hardlink("x", "../../etc/passwd").write(t.path / "a.tar"), t.out());
        CHECK(!r);
    }
    SECTION("device") {
        auto r = unpack_archive(TarBuilder().raw('3', "dev").write(t.path / "a.tar"), t.out());
        REQUIRE(!r);
        CHECK_THAT(r.error().message, Catch::Contains("special file"));
    }
}

TEST_CASE("unpack_archive enforces its limits and rejects garbage", "[deploy][archive]") {
    TempDir t;
    UnpackLimits small;
    small.max_bytes = 10;
    auto r = unpack_archive(TarBuilder().file("big", std::string(11, 'x')).write(t.path / "a.tar"),
                            t.out(), small);
    REQUIRE(!r);
    CHECK_THAT(r.error().message, Catch::Contains("more than 10 bytes"));

    UnpackLimits few;
    few.max_entries = 2;
    auto r2 = unpack_archive(
        TarBuilder().file("a", "").file("b", "").file("c", "").write(t.path / "b.tar"), t.out(),
        few);
    CHECK(!r2);

    std::ofstream(t.path / "junk.tgz") << std::string(2000, 'j');
    CHECK(!unpack_archive(t.path / "junk.tgz", t.out()));

    // Truncated in the middle of a file.
    auto whole = TarBuilder().file("f", std::string(3000, 'x')).bytes();
    std::ofstream(t.path / "cut.tar", std::ios::binary) << whole.substr(0, 1024);
    CHECK(!unpack_archive(t.path / "cut.tar", t.out()));
}
