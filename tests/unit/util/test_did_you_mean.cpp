#include <catch2/catch.hpp>

#include "util/did_you_mean.hpp"

using paasrun::util::edit_distance;
using paasrun::util::nearest;

TEST_CASE("did_you_mean: edit distance counts inserts, deletes, substitutions and swaps",
          "[util][did_you_mean]") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("config", "config") == 0);
    CHECK(edit_distance("confg", "config") == 1);    // a deletion
    CHECK(edit_distance("configg", "config") == 1);  // an insertion
    CHECK(edit_distance("confix", "config") == 1);   // a substitution
    CHECK(edit_distance("cofnig", "config") == 1);   // a transposition
    CHECK(edit_distance("", "ps") == 2);
    CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("did_you_mean: suggests the nearest close command", "[util][did_you_mean]") {
    std::vector<std::string> cmds{"build", "config",   "config:get", "config:set", "logs",
                                  "ps",    "releases", "up",         "run"};
    CHECK(nearest("confg", cmds) == "config");
    CHECK(nearest("config:st", cmds) == "config:set");
    CHECK(nearest("biuld", cmds) == "build");
    CHECK(nearest("log", cmds) == "logs");
    CHECK(nearest("rel", cmds) == "releases");  // an abbreviation
    CHECK(nearest("rn", cmds) == "run");
}

TEST_CASE("did_you_mean: nothing for words that are not typos", "[util][did_you_mean]") {
    std::vector<std::string> cmds{"build", "config", "ps", "up"};
    CHECK_FALSE(nearest("deployment-plan", cmds));
    CHECK_FALSE(nearest("xy", cmds));  // 2 edits from ps and up, but 2 of 2 letters
    CHECK_FALSE(nearest("", cmds));
    CHECK_FALSE(nearest("anything", {}));
}
