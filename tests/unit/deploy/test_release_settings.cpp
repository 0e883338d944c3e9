// A release's own paasrun.yaml: the settings the engine checks it with
// (src/deploy/release_settings.hpp) and its `env:` layer (src/deploy/run_spec.hpp).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "deploy/release_settings.hpp"
#include "deploy/run_spec.hpp"
#include "release/publish.hpp"
#include "release/store.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "util/durable_fs.hpp"

using namespace paasrun;
using namespace paasrun::deploy;
namespace fs = std::filesystem;

using paasrun::testing::read_text;
using paasrun::testing::TempDir;
using paasrun::testing::write_text;

namespace {

// What paasrun started with: every setting the engine reads differs from the defaults.
config::Manifest startup_manifest() {
    config::Manifest m;
    m.health.path = "/startup";
    m.health.interval = 7;
    m.health.timeout = 2;
    m.health.attempts = 9;
    m.deploy.bake_window = 11;
    m.deploy.start_timeout = 13;
    m.deploy.max_crashes = 5;
    m.deploy.max_health_failures = 6;
    m.release_timeout = 17;
    m.env = {{"FROM_STARTUP", "1"}};
    return m;
}

// A release v1 whose slug's app tree holds `manifest` (none when empty).
int make_release(const release::ReleaseStore& store, const std::string& manifest,
                 const release::ConfigVars& config_vars = {},
                 const release::ConfigVars& buildpack_vars = {}) {
    REQUIRE(store.init());
    auto id = store.new_slug_dir();
    REQUIRE(id);
    fs::create_directories(store.slug_app_dir(*id));
    if (!manifest.empty()) write_text(store.slug_app_dir(*id) / "paasrun.yaml", manifest);
    release::SlugMeta meta;
    meta.id = *id;
    meta.source_hash = "h";
    meta.default_config_vars = buildpack_vars;
    REQUIRE(store.commit_slug(meta));
    auto draft = release::draft_build_release(store, meta);
    REQUIRE(draft);
    draft->config_vars = config_vars;
    draft->process_types = {{"web", "paasrun serve app:application"}};
    auto v = store.create(*draft);
    REQUIRE(v);
    return *v;
}

}  // namespace

TEST_CASE("release_settings: the release's own health and deploy sections win",
          "[deploy][settings]") {
    TempDir t;
    write_text(t.path / "paasrun.yaml",
               "env:\n  FOO: bar\n"
               "health:\n  path: /health\n  interval: 0.5\n  timeout: 1\n  attempts: 2\n"
               "deploy:\n  bake_window: 3\n  start_timeout: 4\n  max_crashes: 1\n  "
               "max_health_failures: 8\n"
               "release_timeout: 30\n");
    auto s = release_settings(t.path, startup_manifest());
    REQUIRE(s);
    CHECK(s->file == t.path / "paasrun.yaml");
    CHECK(s->health.path == "/health");
    CHECK(s->health.interval == 0.5);
    CHECK(s->health.timeout == 1);
    CHECK(s->health.attempts == 2);
    CHECK(s->deploy.bake_window == 3);
    CHECK(s->deploy.start_timeout == 4);
    CHECK(s->deploy.max_crashes == 1);
    CHECK(s->deploy.max_health_failures == 8);
    CHECK(s->release_timeout == 30);
    CHECK(s->env == config::EnvList{{"FOO", "bar"}});
}

TEST_CASE("release_settings: a key the release leaves out is the default, not the startup value",
          "[deploy][settings]") {
    // The release's file is the whole truth: removing `health.path` turns the check off.
    TempDir t;
    write_text(t.path / "paasrun.yaml", "deploy:\n  bake_window: 0\n");
    auto s = release_settings(t.path, startup_manifest());
    REQUIRE(s);
    config::Manifest defaults;
    CHECK(s->health.path.empty());
    CHECK(s->health.attempts == defaults.health.attempts);
    CHECK(s->deploy.bake_window == 0);
    CHECK(s->deploy.start_timeout == defaults.deploy.start_timeout);
    CHECK(s->release_timeout == defaults.release_timeout);
    CHECK(s->env.empty());
}

TEST_CASE(
    "release_settings: a tree without paasrun.yaml falls back to the startup manifest, without its "
    "env",
    "[deploy][settings]") {
    TempDir t;
    auto s = release_settings(t.path, startup_manifest());
    REQUIRE(s);
    CHECK(s->file.empty());
    CHECK(s->health.path == "/startup");
    CHECK(s->health.attempts == 9);
    CHECK(s->deploy.bake_window == 11);
    CHECK(s->deploy.start_timeout == 13);
    CHECK(s->deploy.max_crashes == 5);
    CHECK(s->release_timeout == 17);
    CHECK(s->env.empty());

    auto own = settings_of(startup_manifest());
    CHECK(own.health.path == "/startup");
    CHECK(own.env == config::EnvList{{"FROM_STARTUP", "1"}});
}

TEST_CASE("release_settings: an invalid paasrun.yaml is an error naming the file and position",
          "[deploy][settings]") {
    TempDir t;
    write_text(t.path / "paasrun.yaml", "health:\n  path: /ok\n  atempts: 2\n");
    auto s = release_settings(t.path, startup_manifest());
    REQUIRE_FALSE(s);
    const auto& msg = s.error().message;
    CHECK_THAT(msg, Catch::Contains("the release's paasrun.yaml is invalid"));
    CHECK_THAT(msg, Catch::Contains((t.path / "paasrun.yaml").string() + ":3:"));
    CHECK_THAT(msg, Catch::Contains("atempts"));

    auto m = load_release_manifest(t.path);
    REQUIRE_FALSE(m);
    CHECK(m.error().message == msg);
}

TEST_CASE("load_release_manifest: absent file is nullopt; a directory in its place is an error",
          "[deploy][settings]") {
    TempDir t;
    auto none = load_release_manifest(t.path);
    REQUIRE(none);
    CHECK_FALSE(none->has_value());

    fs::create_directories(t.path / "paasrun.yaml");
    auto bad = load_release_manifest(t.path);
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::Contains("cannot read the release's paasrun.yaml"));
    CHECK_THAT(bad.error().message, Catch::Contains((t.path / "paasrun.yaml").string()));
}

TEST_CASE("release_run_spec: the manifest env layer is the release's own, lowest in precedence",
          "[deploy][settings]") {
    TempDir t;
    release::ReleaseStore store(t.path / "state");
    int v = make_release(
        store,
        "env:\n  FOO: bar\n  LAYER: manifest\n  DOT: manifest\n  BP: manifest\n  CV: manifest\n"
        "  PROC: manifest\n",
        {{"CV", "config"}, {"PROC", "config"}}, {{"BP", "buildpack"}, {"CV", "buildpack"}});
    EnvInputs in;
    in.dotenv = {{"DOT", "dotenv"}, {"BP", "dotenv"}};
    in.process_env = {{"PROC", "process"}};
    auto run = release_run_spec(store, v, in);
    REQUIRE(run);
    auto& env = (*run)->env;
    CHECK(env["FOO"] == "bar");
    CHECK(env["LAYER"] == "manifest");
    CHECK(env["DOT"] == "dotenv");
    CHECK(env["BP"] == "buildpack");
    CHECK(env["CV"] == "config");
    CHECK(env["PROC"] == "process");
    CHECK(env["PAASRUN_RELEASE_VERSION"] == "v1");
}

TEST_CASE("release_run_spec: a slug without paasrun.yaml has no manifest env",
          "[deploy][settings]") {
    TempDir t;
    release::ReleaseStore store(t.path / "state");
    int v = make_release(store, "");
    auto run = release_run_spec(store, v, EnvInputs{});
    REQUIRE(run);
    CHECK((*run)->env.count("FOO") == 0);
    CHECK((*run)->env.count("FROM_STARTUP") == 0);
}

TEST_CASE("release_run_spec: an invalid paasrun.yaml in the slug is an error naming the file",
          "[deploy][settings]") {
    TempDir t;
    release::ReleaseStore store(t.path / "state");
    int v = make_release(store, "env: [not, a, mapping]\n");
    auto run = release_run_spec(store, v, EnvInputs{});
    REQUIRE_FALSE(run);
    auto slug_id = store.load(v)->slug_id;
    CHECK_THAT(run.error().message,
               Catch::StartsWith("the release's paasrun.yaml is invalid: " +
                                 (store.slug_app_dir(slug_id) / "paasrun.yaml:1:").string()));
}
