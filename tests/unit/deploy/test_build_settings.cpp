// A deployed source tree's build options come from its own paasrun.yaml
// (src/deploy/build_settings.hpp).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "build/pipeline.hpp"
#include "deploy/build_settings.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "util/durable_fs.hpp"

using namespace paasrun;
using namespace paasrun::deploy;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

using paasrun::testing::read_text;
using paasrun::testing::TempDir;
using paasrun::testing::write_text;

namespace {

// The options paasrun started with: every app-chosen setting differs from the tree's.
build::BuildOptions startup_options() {
    build::BuildOptions o;
    o.buildpacks = {"/startup/bp"};
    o.system_site_packages = true;
    o.static_dirs = {"startup-static"};
    o.compile_timeout = std::chrono::milliseconds(1234);
    o.paasrun_version = "9.9.9-startup";
    return o;
}

}  // namespace

TEST_CASE("a deployed tree is built with its own paasrun.yaml's build settings",
          "[deploy][build_settings]") {
    TempDir t;
    write_text(t.path / "paasrun.yaml",
               "build:\n  buildpacks: [/tree/bp, python]\n"
               "python:\n  system_site_packages: false\n"
               "static:\n  mappings:\n    /static/: assets\n  root: public\n");
    auto o = tree_build_options(t.path, "paasrun.yaml", startup_options());
    REQUIRE(o);
    CHECK(o->own_manifest);
    CHECK(o->options.buildpacks == std::vector<std::string>{"/tree/bp", "python"});
    CHECK(!o->options.system_site_packages);
    CHECK(o->options.static_dirs == std::vector<std::string>{"assets", "public"});
    // Not the app's choice: from the process.
    CHECK(o->options.compile_timeout == std::chrono::milliseconds(1234));
    CHECK(o->options.paasrun_version == "9.9.9-startup");
    // The same rule `paasrun build` applies to that directory.
    auto local = build::pipeline_options(t.path);
    REQUIRE(local);
    CHECK(local->build.buildpacks == o->options.buildpacks);
    CHECK(local->build.static_dirs == o->options.static_dirs);
    CHECK(local->build.system_site_packages == o->options.system_site_packages);
}

TEST_CASE("a tree without paasrun.yaml builds with the defaults, not the startup settings",
          "[deploy][build_settings]") {
    TempDir t;
    write_text(t.path / ".buildpacks", "/tree/bp\n");
    auto o = tree_build_options(t.path, "paasrun.yaml", startup_options());
    REQUIRE(o);
    CHECK(!o->own_manifest);
    CHECK(o->options.buildpacks.empty());  // .buildpacks / detection decides (build/buildpacks.hpp)
    CHECK(!o->options.system_site_packages);
    CHECK(o->options.static_dirs.empty());
    CHECK(o->options.compile_timeout == std::chrono::milliseconds(1234));
}

TEST_CASE("an invalid paasrun.yaml is an error naming the file as deployed and the position",
          "[deploy][build_settings]") {
    TempDir t;
    write_text(t.path / "paasrun.yaml", "build:\n  buildpacks: [a]\n  bildpacks: [b]\n");
    auto o = tree_build_options(t.path, "myapp/paasrun.yaml", startup_options());
    REQUIRE(!o);
    CHECK_THAT(o.error().message,
               Contains("the deployed paasrun.yaml is invalid: myapp/paasrun.yaml:3:3:"));
    CHECK_THAT(o.error().message, Contains("bildpacks"));
    CHECK_THAT(o.error().message, !Contains(t.path.string()));

    fs::remove(t.path / "paasrun.yaml");
    fs::create_directories(t.path / "paasrun.yaml");
    o = tree_build_options(t.path, "paasrun.yaml", startup_options());
    REQUIRE(!o);
    CHECK_THAT(o.error().message,
               Contains("cannot read the deployed paasrun.yaml: is a directory"));
}
