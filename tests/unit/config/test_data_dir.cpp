#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "config/data_dir.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::config;
namespace fs = std::filesystem;

TEST_CASE("data dir: the environment, then data_dir: relative to the app, then STATE/data",
          "[config][data_dir]") {
    Manifest m;
    CHECK(resolve_data_dir(m, "/srv/app", "/srv/app/.paasrun", {}) ==
          fs::path("/srv/app/.paasrun/data"));
    m.data_dir = "../common/data/";
    CHECK(resolve_data_dir(m, "/srv/app", "/srv/app/.paasrun", {}) == fs::path("/srv/common/data"));
    CHECK(resolve_data_dir(m, "/srv/app", "/x", {{"PAASRUN_DATA_DIR", "/data"}}) ==
          fs::path("/data"));
    CHECK(resolve_data_dir(m, "/srv/app", "/x", {{"PAASRUN_DATA_DIR", ""}}) ==
          fs::path("/srv/common/data"));
}

TEST_CASE("data dir: the manifest key is a non-empty string", "[config][data_dir]") {
    auto ok = parse_manifest("data_dir: var/data\n");
    REQUIRE(ok);
    CHECK(ok->data_dir == "var/data");
    auto empty = parse_manifest("data_dir: \"\"\n");
    REQUIRE_FALSE(empty);
    CHECK(empty.error().describe().find("data_dir") != std::string::npos);
    REQUIRE_FALSE(parse_manifest("data_dir: [a]\n"));
}

TEST_CASE("data dir: created 0700 with its parents; an existing one keeps its mode",
          "[config][data_dir]") {
    paasrun::testing::TempDir tmp("data-dir");
    auto dir = tmp.path / "a" / "b" / "data";
    REQUIRE(ensure_data_dir(dir));
    struct stat st {};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    REQUIRE(ensure_data_dir(dir));
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0750);
    auto file = tmp.path / "file";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        std::fclose(f);
    }
    auto bad = ensure_data_dir(file);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().describe().find("not a directory") != std::string::npos);
}
