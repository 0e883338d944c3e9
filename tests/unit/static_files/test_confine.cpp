// static_files/confine.hpp: a relative static mount must stay inside the current directory.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "static_files/confine.hpp"
#include "static_files/static_files.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::static_files;
namespace fs = std::filesystem;
using paasrun::testing::TempDir;
using paasrun::testing::write_text;

namespace {

// Runs the test body with the current directory set to `dir`, restoring it afterwards.
struct Chdir {
    fs::path old = fs::current_path();
    explicit Chdir(const fs::path& dir) { fs::current_path(dir); }
    ~Chdir() { fs::current_path(old); }
};

}  // namespace

TEST_CASE("path_within compares whole path segments", "[static][confine]") {
    CHECK(path_within("/a/b", "/a/b"));
    CHECK(path_within("/a/b", "/a/b/c"));
    CHECK_FALSE(path_within("/a/b", "/a/bc"));
    CHECK_FALSE(path_within("/a/b", "/a"));
    CHECK(path_within("/", "/x"));
}

TEST_CASE("a relative static mount that is a symlink out of the app is refused",
          "[static][confine]") {
    TempDir t;
    auto app = t.path / "state/slugs/s1/app";
    write_text(app / "assets/a.css", "a{}");
    write_text(t.path / "state/releases/v1/release.json", R"({"config_vars":{"SECRET":"x"}})");
    fs::create_directory_symlink("../../..", app / "static");
    Chdir in(app);

    StaticConfig ok;
    ok.mounts.push_back({"/assets", "assets"});
    CHECK(StaticFiles::open(ok));

    StaticConfig bad;
    bad.mounts.push_back({"/static", "static"});
    auto r = StaticFiles::open(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("outside the app directory") != std::string::npos);

    StaticConfig dots;
    dots.root = "assets/../..";
    CHECK_FALSE(StaticFiles::open(dots));

    // An absolute directory is the operator's explicit choice.
    StaticConfig absolute;
    absolute.mounts.push_back({"/state", (t.path / "state").string()});
    CHECK(StaticFiles::open(absolute));
}
