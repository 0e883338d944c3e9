#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/manifest.hpp"

using namespace paasrun;
using namespace paasrun::config;

namespace {

// The errors of a manifest as "line:col: message" strings.
std::vector<std::string> errors_of(std::string_view yaml) {
    std::vector<std::string> out;
    for (const auto& e : check_manifest(yaml))
        out.push_back(fmt::format("{}:{}: {}", e.where.line, e.where.column, e.message));
    return out;
}

// The single error of a manifest, or a note that there was not exactly one.
std::string error_of(std::string_view yaml) {
    auto errs = errors_of(yaml);
    if (errs.size() != 1) return fmt::format("{} errors", errs.size());
    return errs[0];
}

}  // namespace

TEST_CASE("manifest: an empty or comment-only file is all defaults", "[config][manifest]") {
    for (std::string_view text : {"", "# nothing yet\n", "---\n", "~\n"}) {
        auto r = parse_manifest(text);
        REQUIRE(r);
        CHECK(r->app_name.empty());
        CHECK(r->formation.empty());
        CHECK(r->web.threads == 1);
        CHECK(r->web.max_body == 100LL * 1024 * 1024);
        CHECK(r->web.forwarded_allow_ips == std::vector<std::string>{"127.0.0.1", "::1"});
        CHECK(r->grace_period == 30);
        CHECK(r->release_timeout == 600);
        CHECK(r->restart.policy == "always");
        CHECK(r->admin.enabled);
    }
}

TEST_CASE("manifest: every key is read", "[config][manifest]") {
    auto r = load_manifest(PAASRUN_FIXTURES "/config/good/paasrun.yaml");
    REQUIRE(r);
    const Manifest& m = *r;
    CHECK(m.app_name == "guestbook");
    CHECK(m.formation == std::map<std::string, int>{{"web", 2}, {"worker", 1}, {"clock", 0}});
    CHECK(m.formation_positions.at("worker").line == 5);
    CHECK(m.formation_positions.at("worker").column == 3);
    CHECK(m.env == EnvList{{"DJANGO_SETTINGS_MODULE", "site.settings"},
                           {"DEBUG", "0"},
                           {"FEATURE_X", "true"}});

    CHECK(m.web.app == "guestbook.wsgi:application");
    CHECK(m.web.workers == 4);
    CHECK(m.web.threads == 8);
    CHECK(m.web.timeout == 60);
    CHECK(m.web.graceful_timeout == 20);
    CHECK(m.web.keepalive == 2);
    CHECK(m.web.request_timeout == 60);
    CHECK(m.web.max_requests == 1000);
    CHECK(m.web.max_requests_jitter == 50);
    CHECK(m.web.max_rss_mb == 512);
    CHECK(m.web.max_body == 10LL * 1024 * 1024);
    CHECK(m.web.limit_request_line == 4096);
    CHECK(m.web.limit_request_fields == 50);
    CHECK(m.web.limit_request_field_size == 16384);
    CHECK(m.web.forwarded_allow_ips == std::vector<std::string>{"10.0.0.0/8", "::1"});
    CHECK(m.web.root_path == "/guestbook");
    CHECK(m.web.access_log == "json");

    REQUIRE(m.static_files.mappings.size() == 2);
    CHECK(m.static_files.mappings[0].prefix == "/static/");
    CHECK(m.static_files.mappings[0].dir == "static");
    CHECK(m.static_files.mappings[1].dir == "var/media");
    CHECK(m.static_files.root == "public");
    CHECK_FALSE(m.static_files.fallthrough);
    CHECK(m.static_files.max_age == 3600);
    CHECK(m.static_files.immutable_prefixes == std::vector<std::string>{"/static/dist/"});
    CHECK(m.static_files.cors);

    CHECK(m.health.path == "/healthz");
    CHECK(m.health.interval == 5);
    CHECK(m.health.timeout == 2);
    CHECK(m.health.attempts == 5);

    CHECK(m.restart.policy == "on-failure");
    CHECK(m.restart.initial_delay == Approx(0.2));
    CHECK(m.restart.max_delay == 30);
    CHECK(m.restart.reset_after == 120);

    CHECK(m.grace_period == 15);
    CHECK(m.release_timeout == 300);
    CHECK(m.build.buildpacks == std::vector<std::string>{"python"});
    CHECK(m.build.keep_releases == 5);
    CHECK(m.build.system_site_packages);

    CHECK_FALSE(m.admin.enabled);
    CHECK(m.admin.bind == "127.0.0.1:9000");
    CHECK(m.admin.max_body == 256LL * 1024 * 1024);

    CHECK(m.deploy.bake_window == 120);
    CHECK(m.deploy.max_health_failures == 2);
    CHECK(m.deploy.max_crashes == 4);
    CHECK(m.deploy.shutdown_delay == 1.5);
}

TEST_CASE("manifest: static mappings may be a mapping of prefix to dir", "[config][manifest]") {
    auto r = parse_manifest("static:\n  mappings:\n    /static/: static\n    /m/: media\n");
    REQUIRE(r);
    REQUIRE(r->static_files.mappings.size() == 2);
    CHECK(r->static_files.mappings[0].prefix == "/static/");
    CHECK(r->static_files.mappings[1].dir == "media");
}

TEST_CASE("manifest: a key with no value keeps its default", "[config][manifest]") {
    auto r = parse_manifest("web:\n  workers:\n  threads: 2\nhealth:\n");
    REQUIRE(r);
    CHECK(r->web.workers == 0);
    CHECK(r->web.threads == 2);
}

TEST_CASE("manifest: unknown keys are reported with line and column", "[config][manifest]") {
    CHECK(error_of("app: x\ncolour: blue\n") ==
          "2:1: unknown key \"colour\" at the top level (allowed: app, formation, env, web, "
          "static, health, restart, grace_period, release_timeout, data_dir, build, python, admin, "
          "deploy)");
    CHECK(error_of("web:\n  treads: 4\n") ==
          "2:3: unknown key \"treads\" in web (did you mean \"threads\"?)");
    CHECK(error_of("static:\n  mappings:\n    - prefix: /s/\n      dir: s\n      cache: 1\n") ==
          "5:7: unknown key \"cache\" in static.mappings[0] (allowed: prefix, dir)");
}

TEST_CASE("manifest: wrong types are reported at the value", "[config][manifest]") {
    CHECK(error_of("web:\n  workers: many\n") ==
          "2:12: web.workers: expected an integer, got \"many\"");
    CHECK(error_of("web:\n  workers: \"4\"\n") ==
          "2:12: web.workers: expected an integer, got the string \"4\"");
    CHECK(error_of("web: 4\n") == "1:6: web: expected a mapping, got \"4\"");
    CHECK(error_of("app: [a, b]\n") == "1:6: app: expected a string, got a list");
    CHECK(error_of("static:\n  cors: maybe\n") ==
          "2:9: static.cors: expected true or false, got \"maybe\"");
    CHECK(error_of("grace_period: soon\n") ==
          "1:15: grace_period: expected a duration (seconds, or with a unit: 500ms, 30s, 2m, "
          "1h), got \"soon\"");
    CHECK(error_of("web:\n  max_body: lots\n") ==
          "2:13: web.max_body: expected a size (bytes, or with a unit: 512K, 10MB, 1GiB), got "
          "\"lots\"");
    CHECK(error_of("build:\n  buildpacks: python\n") ==
          "2:15: build.buildpacks: expected a list of strings, got \"python\"");
    CHECK(error_of("build:\n  buildpacks: [a, {b: c}]\n") ==
          "2:19: build.buildpacks[1]: expected a string, got a mapping");
    CHECK(error_of("- a\n- b\n") == "1:1: the manifest must be a mapping of keys, got a list");
}

TEST_CASE("manifest: range checks", "[config][manifest]") {
    CHECK(error_of("formation:\n  web: -1\n") ==
          "2:8: formation.web: must be an integer from 0 to 1000, got -1");
    CHECK(error_of("web:\n  workers: -1\n") ==
          "2:12: web.workers: must be an integer from 0 to 1024, got -1");
    CHECK(error_of("web:\n  threads: 0\n") ==
          "2:12: web.threads: must be an integer from 1 to 1024, got 0");
    CHECK(error_of("web:\n  timeout: 0\n") == "2:12: web.timeout: must be > 0 seconds, got 0");
    CHECK(error_of("web:\n  keepalive: -1\n") ==
          "2:14: web.keepalive: must be >= 0 seconds, got -1");
    CHECK(error_of("web:\n  max_requests: -5\n") ==
          "2:17: web.max_requests: must be an integer >= 0, got -5");
    CHECK(error_of("web:\n  max_body: 0\n").find("web.max_body: must be from 1 to") !=
          std::string::npos);
    CHECK(error_of("health:\n  interval: 0\n") ==
          "2:13: health.interval: must be > 0 seconds, got 0");
    CHECK(error_of("health:\n  attempts: 0\n") ==
          "2:13: health.attempts: must be an integer from 1 to 1000, got 0");
    CHECK(error_of("release_timeout: 0\n") == "1:18: release_timeout: must be > 0 seconds, got 0");
    CHECK(error_of("grace_period: -1\n") == "1:15: grace_period: must be >= 0 seconds, got -1");
    CHECK(errors_of("grace_period: 0\n").empty());
    CHECK(error_of("build:\n  keep_releases: 0\n") ==
          "2:18: build.keep_releases: must be an integer from 1 to 1000, got 0");
    CHECK(error_of("deploy:\n  max_crashes: 0\n") ==
          "2:16: deploy.max_crashes: must be an integer from 1 to 1000, got 0");
    CHECK(error_of("restart:\n  initial_delay: 5\n  max_delay: 1\n") ==
          "3:14: restart.max_delay (1) must be >= restart.initial_delay (5)");
}

TEST_CASE("manifest: web.app takes what serve takes, factory calls included",
          "[config][manifest]") {
    // The same parser as `paasrun serve APP` (config/app_spec.hpp): gunicorn's forms.
    for (std::string_view good : {"app:application", "pkg.wsgi:app", "a:b.c", "_m1:_f", "app",
                                  "app:create()", "pkg.app:create_app('x', debug=True)"}) {
        CHECK(errors_of(fmt::format("web:\n  app: \"{}\"\n", good)).empty());
        CHECK(parse_manifest(fmt::format("web:\n  app: \"{}\"\n", good))->web.app == good);
    }
    for (std::string_view bad :
         {"app:", ":app", "app:create(", "my-app:app", "1app:x", "a..b:c", "a:b:c"})
        CHECK_THAT(error_of(fmt::format("web:\n  app: \"{}\"\n", bad)),
                   Catch::StartsWith(fmt::format(
                       "2:8: web.app: \"{}\" is not \"module:callable\" (e.g. "
                       "app:application, pkg.wsgi:app, app:create_app()): invalid app spec",
                       bad)));
}

TEST_CASE("manifest: formation names follow the Procfile rules", "[config][manifest]") {
    CHECK(error_of("formation:\n  web.1: 2\n") ==
          "2:3: formation: invalid process type \"web.1\" (allowed: letters, digits, '_' and '-')");
    CHECK(error_of("formation:\n  release: 1\n") ==
          "2:3: formation.release: the release phase runs once per release and cannot be scaled");
    CHECK(error_of("formation:\n  web:\n") ==
          "2:3: formation.web: expected a process count, got nothing (null)");
    CHECK(error_of("formation: [web]\n") == "1:12: formation: expected a mapping, got a list");
}

TEST_CASE("manifest: env names and values", "[config][manifest]") {
    auto r = parse_manifest("env:\n  A: 1\n  B: \"\"\n  C: yes\n");
    REQUIRE(r);
    CHECK(r->env == EnvList{{"A", "1"}, {"B", ""}, {"C", "yes"}});
    CHECK(error_of("env:\n  1A: x\n") ==
          "2:3: env: invalid variable name \"1A\" (must match [A-Za-z_][A-Za-z0-9_.-]*)");
    CHECK(error_of("env:\n  A:\n") == "2:3: env.A: no value (write \"\" for an empty string)");
    CHECK(error_of("env:\n  A: [1]\n") == "2:6: env.A: expected a string, got a list");
}

TEST_CASE("manifest: static prefixes and directories", "[config][manifest]") {
    CHECK(error_of("static:\n  mappings:\n    - {prefix: static/, dir: s}\n") ==
          "3:7: static.mappings[0]: URL prefix \"static/\" must start with '/'");
    CHECK(error_of("static:\n  mappings:\n    /s/: /etc\n") ==
          "3:5: static.mappings: directory \"/etc\" must be relative to the app (no leading '/', "
          "no '..')");
    CHECK(error_of("static:\n  mappings:\n    - {prefix: /s/, dir: ../x}\n")
              .find("must be relative") != std::string::npos);
    CHECK(error_of(
              "static:\n  mappings:\n    - {prefix: /s/, dir: a}\n    - {prefix: /s/, dir: b}\n") ==
          "4:7: static.mappings[1]: prefix \"/s/\" is mapped twice");
    CHECK(error_of("static:\n  mappings:\n    - {prefix: /s/}\n") ==
          "3:7: static.mappings[0]: needs both \"prefix\" and \"dir\"");
    CHECK(error_of("static:\n  mappings: static\n") ==
          "2:13: static.mappings: expected a list of {prefix, dir} or a mapping of prefix: dir, "
          "got \"static\"");
    CHECK(error_of("static:\n  immutable_prefixes: [dist/]\n") ==
          "2:23: static.immutable_prefixes: prefix \"dist/\" must start with '/'");
    CHECK(error_of("static:\n  root: ..\n").find("static.root: must be a directory relative") !=
          std::string::npos);
}

TEST_CASE("manifest: string choices and formats", "[config][manifest]") {
    CHECK(error_of("web:\n  access_log: text\n") ==
          "2:15: web.access_log: must be one of logfmt, json, off, got \"text\"");
    CHECK(error_of("restart:\n  policy: sometimes\n") ==
          "2:11: restart.policy: must be one of always, on-failure, never, got \"sometimes\"");
    CHECK(error_of("web:\n  root_path: app/\n").find("web.root_path: must be empty or start") !=
          std::string::npos);
    CHECK(error_of("web:\n  root_path: /app/\n") != "0 errors");
    CHECK(errors_of("web:\n  root_path: \"\"\n").empty());
    CHECK(error_of("health:\n  path: healthz\n") ==
          "2:9: health.path: must start with '/' (e.g. /healthz)");
    CHECK(error_of("app: \"my app\"\n").find("app: must be 1-63 letters") != std::string::npos);
}

TEST_CASE("manifest: forwarded_allow_ips takes a list or gunicorn's comma string",
          "[config][manifest]") {
    auto r = parse_manifest("web:\n  forwarded_allow_ips: \"10.0.0.1, 192.168.0.0/16,fd00::/8\"\n");
    REQUIRE(r);
    CHECK(r->web.forwarded_allow_ips ==
          std::vector<std::string>{"10.0.0.1", "192.168.0.0/16", "fd00::/8"});
    CHECK(parse_manifest("web:\n  forwarded_allow_ips: '*'\n"));
    CHECK(error_of("web:\n  forwarded_allow_ips: [10.0.0.0/33]\n") ==
          "2:24: web.forwarded_allow_ips: \"10.0.0.0/33\" is not an IP address, a CIDR block or "
          "\"*\"");
    CHECK(error_of("web:\n  forwarded_allow_ips: example.com\n") != "0 errors");
}

TEST_CASE("manifest: admin bind addresses", "[config][manifest]") {
    for (std::string_view good :
         {"127.0.0.1:9000", "localhost:0", "[::1]:8080", "unix:/run/p.sock"})
        CHECK(errors_of(fmt::format("admin:\n  bind: \"{}\"\n", good)).empty());
    for (std::string_view bad :
         {"9000", ":9000", "host:99999", "unix:rel.sock", "[::1:80", "a b:1"})
        CHECK(error_of(fmt::format("admin:\n  bind: \"{}\"\n", bad)) != "0 errors");
}

TEST_CASE("manifest: duplicate keys are errors", "[config][manifest]") {
    CHECK(error_of("web:\n  workers: 2\n  workers: 3\n") == "3:3: web.workers: duplicate key");
    CHECK(error_of("app: a\napp: b\n") == "2:1: app: duplicate key");
}

TEST_CASE("manifest: YAML syntax errors carry a position and never throw", "[config][manifest]") {
    CHECK(error_of("web: [1, 2\napp: x\n") ==
          "2:4: YAML syntax error: end of sequence flow not found");
    CHECK(error_of("a: b\n  c: d\n") == "2:4: YAML syntax error: illegal map value");
    CHECK(error_of("web: {a: 1\n").find("YAML syntax error") != std::string::npos);
    std::string deep(10000, '[');
    auto errs = check_manifest(deep);
    REQUIRE_FALSE(errs.empty());
    CHECK(errs[0].message.find("YAML syntax error") == 0);
    CHECK(error_of("app: a\n---\napp: b\n") ==
          "3:1: only one YAML document is allowed (found a second '---')");
    CHECK(error_of("? [a]\n: b\n") == "1:3: keys must be strings, got a list");
}

TEST_CASE("manifest: all errors are collected, in file order", "[config][manifest]") {
    auto errs = check_manifest(
        "colour: blue\nweb:\n  workers: x\n  threads: 0\nhealth:\n  path: x\n", "app/paasrun.yaml");
    REQUIRE(errs.size() == 4);
    CHECK(errs[0].describe().rfind("app/paasrun.yaml:1:1: unknown key", 0) == 0);
    CHECK(errs[1].where.line == 3);
    CHECK(errs[2].where.line == 4);
    CHECK(errs[3].where.line == 6);

    auto r = parse_manifest("colour: blue\nweb:\n  workers: x\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.line == 1);
    CHECK(r.error().message.find("(and 1 more; `paasrun check` lists them all)") !=
          std::string::npos);
}

TEST_CASE("manifest: the bad fixture reports every mistake", "[config][manifest]") {
    auto r = load_manifest(PAASRUN_FIXTURES "/config/bad/paasrun.yaml");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.file == PAASRUN_FIXTURES "/config/bad/paasrun.yaml");
    std::ifstream in(PAASRUN_FIXTURES "/config/bad/paasrun.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto errs = check_manifest(text);
    // formation.web, formation.release, env.1BAD, web.app, web.workers, web.timeout,
    // web.treads, static prefix, health.path, restart.policy, colour
    CHECK(errs.size() == 11);
}

TEST_CASE("manifest: load_manifest takes a dir or a file and names the app", "[config][manifest]") {
    namespace fs = std::filesystem;
    auto dir = fs::temp_directory_path() / fmt::format("paasrun-manifest-{}", ::getpid());
    fs::create_directories(dir / "myapp");
    auto by_dir = load_manifest((dir / "myapp").string());
    REQUIRE(by_dir);
    CHECK(by_dir->app_name == "myapp");
    CHECK(load_manifest((dir / "myapp").string() + "/")->app_name == "myapp");

    std::ofstream(dir / "myapp" / "paasrun.yaml") << "web:\n  workers: 3\n";
    auto by_file = load_manifest((dir / "myapp" / "paasrun.yaml").string());
    REQUIRE(by_file);
    CHECK(by_file->web.workers == 3);
    CHECK(by_file->app_name == "myapp");
    CHECK(load_manifest((dir / "myapp").string())->web.workers == 3);

    std::ofstream(dir / "myapp" / "paasrun.yaml") << "app: named\n";
    CHECK(load_manifest((dir / "myapp").string())->app_name == "named");
    fs::remove_all(dir);
}

TEST_CASE("manifest: boolean spellings", "[config][manifest]") {
    for (std::string_view yes : {"true", "True", "yes", "on", "ON"})
        CHECK(parse_manifest(fmt::format("static:\n  cors: {}\n", yes))->static_files.cors);
    for (std::string_view no : {"false", "FALSE", "no", "off"})
        CHECK_FALSE(parse_manifest(fmt::format("admin:\n  enabled: {}\n", no))->admin.enabled);
    CHECK(error_of("static:\n  cors: \"true\"\n") ==
          "2:9: static.cors: expected true or false, got the string \"true\"");
    CHECK(error_of("static:\n  cors: 1\n") ==
          "2:9: static.cors: expected true or false, got \"1\"");
}

TEST_CASE("manifest: durations and sizes may be quoted strings", "[config][manifest]") {
    auto r = parse_manifest("grace_period: \"10s\"\nweb:\n  max_body: '1MiB'\n  timeout: 1.5\n");
    REQUIRE(r);
    CHECK(r->grace_period == 10);
    CHECK(r->web.max_body == 1LL << 20);
    CHECK(r->web.timeout == 1.5);
}
