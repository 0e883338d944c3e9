// The build's progress lines as JSON lines for --log-format json (src/deploy/build_log_json.hpp):
// every line one object, the step carried to the lines under it, text never split into fields.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "deploy/build_log_json.hpp"

using nlohmann::json;
using paasrun::deploy::BuildLogJson;

namespace {

constexpr const char* kTime = "2026-12-06T18:00:00.000Z";

json convert(BuildLogJson& c, std::string_view line) {
    auto text = c.convert(kTime, line);
    REQUIRE(text.find('\n') == std::string::npos);
    return json::parse(text);
}

}  // namespace

TEST_CASE("a ----> line starts a step; the lines under it carry it") {
    BuildLogJson c;
    auto first = convert(c, "Building the app");  // before any step: no step field
    CHECK(first == json{{"time", kTime},
                        {"level", "info"},
                        {"component", "build"},
                        {"msg", "Building the app"}});
    auto step = convert(c, "-----> Installing requirements with pip");
    CHECK(step["msg"] == "Installing requirements with pip");
    CHECK(step["step"] == "Installing requirements with pip");
    CHECK(step["component"] == "build");
    auto detail = convert(c, "       Collecting flask==3.0 (from -r requirements.txt)");
    CHECK(detail["msg"] == "Collecting flask==3.0 (from -r requirements.txt)");  // not a field
    CHECK(detail["step"] == "Installing requirements with pip");
    CHECK(detail.size() == 5);
    auto next = convert(c, "-----> Released v1 in 2.0s");
    CHECK(next["step"] == "Released v1 in 2.0s");
}

TEST_CASE("release phase output is the release component") {
    BuildLogJson c;
    (void)convert(c, "-----> Slug s1-abc ready in 0.2s");
    auto line = convert(c, "       release | Applying contenttypes.0001_initial... OK");
    CHECK(line["component"] == "release");
    CHECK(line["msg"] == "Applying contenttypes.0001_initial... OK");
    CHECK_FALSE(line.contains("step"));  // after the build's last step, in none of them
    // Only an indented `release | ` is the marker: text that starts with it is a message.
    CHECK(convert(c, "release | x")["component"] == "build");
}

TEST_CASE("quotes, backslashes and control bytes stay one valid JSON line") {
    BuildLogJson c;
    auto line = convert(c, "       say \"hi\" \\ path\tC:\\x \x1b[31mred\x1b[0m");
    CHECK(line["msg"] == "say \"hi\" \\ path\tC:\\x \x1b[31mred\x1b[0m");
}

TEST_CASE("a deploy job's lines are the deploy component, steps the same way") {
    BuildLogJson c("deploy");
    auto step = convert(c, "-----> Created v2: config set FOO");
    CHECK(step["component"] == "deploy");
    CHECK(step["step"] == "Created v2: config set FOO");
    auto release = convert(c, "       release | ok");
    CHECK(release["component"] == "release");
    CHECK_FALSE(release.contains("step"));
}
