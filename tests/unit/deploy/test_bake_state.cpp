// deploy/bake_state.hpp: the bake window's record on disk.
#include <catch2/catch.hpp>
#include <filesystem>

#include "deploy/bake_state.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::deploy;
namespace fs = std::filesystem;
using paasrun::testing::TempDir;
using paasrun::testing::write_text;

TEST_CASE("bake record: format and parse round-trip; anything malformed is no record",
          "[deploy][bake]") {
    auto r = parse_bake_record(format_bake_record({5, 4}));
    REQUIRE(r);
    CHECK(r->version == 5);
    CHECK(r->previous == 4);
    CHECK_FALSE(parse_bake_record(""));
    CHECK_FALSE(parse_bake_record("{\"version\":5"));  // torn
    CHECK_FALSE(parse_bake_record("{\"version\":0,\"previous\":1}"));
    CHECK_FALSE(parse_bake_record("{\"version\":\"5\",\"previous\":1}"));
    CHECK_FALSE(parse_bake_record("[]"));
}

TEST_CASE("bake record: written, read and cleared in the state dir", "[deploy][bake]") {
    TempDir t;
    CHECK_FALSE(read_bake_record(t.path));
    REQUIRE(write_bake_record(t.path, {3, 2}));
    CHECK(fs::exists(bake_record_path(t.path)));
    auto r = read_bake_record(t.path);
    REQUIRE(r);
    CHECK(r->version == 3);
    REQUIRE(clear_bake_record(t.path));
    CHECK_FALSE(fs::exists(bake_record_path(t.path)));
    CHECK(clear_bake_record(t.path));  // nothing to clear is fine
}
