// The yaml-cpp 0.7 LoadAll hang on a document starting with ',' (src/config/yaml_guard.hpp).
#include <catch2/catch.hpp>

#include "config/manifest.hpp"
#include "config/yaml_guard.hpp"

using namespace paasrun::config;

TEST_CASE("yaml guard: a stray ',' that would hang LoadAll is found with its position",
          "[config][yaml]") {
    auto at = find_stuck_document(",");
    REQUIRE(at);
    CHECK(at->line == 1);
    CHECK(at->column == 1);
    at = find_stuck_document("# comment\n\n  ,a: 1\n");
    REQUIRE(at);
    CHECK(at->line == 3);
    CHECK(at->column == 3);
}

TEST_CASE("yaml guard: ordinary and broken-but-finite YAML pass through", "[config][yaml]") {
    CHECK_FALSE(find_stuck_document(""));
    CHECK_FALSE(find_stuck_document("app: x\nformation: {web: 1}\n"));
    CHECK_FALSE(find_stuck_document("a: 1\n---\nb: 2\n"));
    CHECK_FALSE(find_stuck_document("a: [1, 2\n"));  // a syntax error LoadAll reports itself
    CHECK_FALSE(find_stuck_document("a: 1\n,\n"));
}

TEST_CASE("manifest: a document starting with ',' is an error, not a hang", "[config][manifest]") {
    auto errors = check_manifest(",app: x\n", "paasrun.yaml");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].where.line == 1);
    CHECK(errors[0].where.column == 1);
    CHECK(errors[0].message.find("','") != std::string::npos);
}
