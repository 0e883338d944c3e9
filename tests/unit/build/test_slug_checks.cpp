// build/slug_checks.hpp: what a build refuses about the tree it builds.
#include <catch2/catch.hpp>
#include <filesystem>

#include "build/slug_checks.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::build;
namespace fs = std::filesystem;
using paasrun::testing::TempDir;
using paasrun::testing::write_text;

TEST_CASE("a symlinked .profile.d is refused before any buildpack writes through it",
          "[build][symlink]") {
    TempDir t;
    auto app = t.path / "app";
    write_text(app / "app.py", "");
    CHECK(check_write_paths(app));
    fs::create_directories(app / ".profile.d");
    CHECK(check_write_paths(app));
    fs::remove(app / ".profile.d");
    fs::create_directory_symlink(t.path / "elsewhere", app / ".profile.d");
    auto s = check_write_paths(app);
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find(".profile.d in the source is a symlink") != std::string::npos);
}

TEST_CASE("a static dir that leads out of the app fails the build", "[build][static]") {
    TempDir t;
    auto app = t.path / "state/slugs/s1/app";
    write_text(app / "assets/a.css", "a{}");
    write_text(t.path / "state/releases/v1/release.json", "{}");
    CHECK(check_static_inside(app, {"assets", "missing"}));
    fs::create_directory_symlink("../../..", app / "static");
    auto s = check_static_inside(app, {"assets", "static"});
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find("static dir static resolves to") != std::string::npos);
    CHECK(s.error().message.find("outside the app") != std::string::npos);
    // A symlink that stays inside the app is fine.
    fs::create_directory_symlink("assets", app / "public");
    CHECK(check_static_inside(app, {"public"}));
}
