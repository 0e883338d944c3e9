#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "build/pipeline.hpp"
#include "release/current.hpp"
#include "util/durable_fs.hpp"

using namespace paasrun;
namespace fs = std::filesystem;

TEST_CASE("ensure_built: builds once, then is a no-op until the content changes",
          "[build][pipeline]") {
    auto app = fs::temp_directory_path() / ("paasrun-ensure-" + paasrun::random_suffix());
    fs::create_directories(app);
    std::ofstream(app / "hello.txt") << "v1\n";
    std::ofstream(app / ".buildpacks") << PAASRUN_FIXTURES << "/buildpacks/hello\n";
    auto state = app / ".paasrun";
    auto opts = build::pipeline_options(app);
    REQUIRE(opts);

    auto first = build::ensure_built(app, state, *opts);
    REQUIRE(first);
    CHECK(first->built);
    CHECK(first->version == 1);

    auto again = build::ensure_built(app, state, *opts);
    REQUIRE(again);
    CHECK_FALSE(again->built);
    CHECK(again->version == 1);

    // Touched but identical: the stat fingerprint differs, the content hash does not.
    fs::last_write_time(app / "hello.txt",
                        fs::last_write_time(app / "hello.txt") + std::chrono::seconds(3));
    auto touched = build::ensure_built(app, state, *opts);
    REQUIRE(touched);
    CHECK_FALSE(touched->built);

    std::ofstream(app / "hello.txt") << "v2\n";
    auto changed = build::ensure_built(app, state, *opts);
    REQUIRE(changed);
    CHECK(changed->built);
    CHECK(changed->version == 2);

    auto cur = release::current_release(state);
    REQUIRE(cur);
    REQUIRE(cur->has_value());
    CHECK((*cur)->version == 2);
    CHECK(fs::exists((*cur)->app_dir / "hello-out.txt"));
    CHECK((*cur)->release.process_types.at(0).first == "web");
    fs::remove_all(app);
}
