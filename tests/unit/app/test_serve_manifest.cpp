// paasrun.yaml -> ServeOptions (serve_manifest.hpp): manifest < environment < flags.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "app/serve_manifest.hpp"
#include "config/manifest.hpp"

using namespace paasrun;
using namespace paasrun::worker;

namespace {

config::Manifest manifest(std::string_view yaml) {
    auto m = config::parse_manifest(yaml);
    REQUIRE(m);
    return *m;
}

FlagGiven flags(std::set<std::string> names) {
    return
        [names = std::move(names)](std::string_view n) { return names.count(std::string(n)) > 0; };
}

EnvLookup env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string_view n) -> std::optional<std::string> {
        auto it = vars.find(std::string(n));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

constexpr std::string_view kFull = R"(
web:
  workers: 3
  threads: 4
  timeout: 0.5
  graceful_timeout: 20s
  keepalive: 2
  request_timeout: 1m
  max_requests: 1000
  max_requests_jitter: 50
  max_rss_mb: 512
  max_body: 10MB
  limit_request_line: 4096
  limit_request_fields: 50
  limit_request_field_size: 16384
  forwarded_allow_ips: [10.0.0.0/8]
  root_path: /guestbook
  access_log: json
static:
  mappings:
    /static/: static
    /media/: var/media
  root: public
  fallthrough: false
  max_age: 300
  immutable_prefixes: [/static/build/]
  cors: true
)";

}  // namespace

TEST_CASE("serve manifest: every web and static key reaches the options", "[worker][manifest]") {
    ServeOptions o;
    apply_manifest(o, manifest(kFull), flags({}));
    CHECK(o.workers == 3);
    CHECK(o.threads == 4);
    CHECK(o.timeout == 1);  // 0.5 s rounds up: never to 0 ("off")
    CHECK(o.graceful_timeout == 20);
    CHECK(o.keep_alive == 2);
    CHECK(o.request_timeout == 60);
    CHECK(o.max_requests == 1000);
    CHECK(o.max_requests_jitter == 50);
    CHECK(o.max_rss_mb == 512);
    CHECK(o.max_body == 10u * 1024 * 1024);
    CHECK(o.limit_request_line == 4096);
    CHECK(o.limit_request_fields == 50);
    CHECK(o.limit_request_field_size == 16384);
    CHECK(o.forwarded_allow_ips == std::vector<std::string>{"10.0.0.0/8"});
    CHECK(o.root_path == "/guestbook");
    CHECK(o.access_log_format == AccessLogFormat::json);
    CHECK(o.access_log == "stderr");
    REQUIRE(o.static_mounts.size() == 2);
    CHECK(o.static_root == "public");
    CHECK_FALSE(o.static_fallthrough);
    CHECK(o.static_max_age == 300);
    CHECK(o.static_immutable == std::vector<std::string>{"/static/build/"});
    CHECK(o.static_cors);
    o.app = "app:application";
    o.bind = {"127.0.0.1:0"};
    CHECK(validate(o));
}

TEST_CASE("serve manifest: flags win over the manifest", "[worker][manifest]") {
    ServeOptions o;
    o.threads = 8;
    o.static_max_age = 5;
    o.root_path = "/cli";
    o.static_mounts = {{"/static", "cli-static"}, {"/extra/", "extra"}};
    apply_manifest(
        o, manifest(kFull),
        flags({"threads", "static-max-age", "root-path", "static", "access-log-format"}));
    CHECK(o.threads == 8);
    CHECK(o.static_max_age == 5);
    CHECK(o.root_path == "/cli");
    CHECK(o.access_log_format == AccessLogFormat::logfmt);
    CHECK(o.workers == 3);  // not given: the manifest's
    // --static for a prefix the manifest maps replaces that mapping; others are added.
    std::vector<StaticMount> want{
        {"/media/", "var/media"}, {"/static", "cli-static"}, {"/extra/", "extra"}};
    CHECK(o.static_mounts == want);
}

TEST_CASE("serve manifest: an explicit web.workers beats WEB_CONCURRENCY, a flag beats both",
          "[worker][manifest]") {
    ServeOptions o;
    o.app = "app:application";
    auto e = env({{"WEB_CONCURRENCY", "5"}, {"FORWARDED_ALLOW_IPS", "192.168.0.0/16"}});
    apply_manifest(o, manifest(kFull), flags({}));
    CHECK(o.workers == 3);
    REQUIRE(resolve_defaults(o, e, false, 2));
    CHECK(o.workers == 3);

    ServeOptions unset;  // no web.workers in the manifest: WEB_CONCURRENCY, then the machine
    unset.app = "app:application";
    apply_manifest(unset, manifest("web:\n  threads: 2\n"), flags({}));
    REQUIRE(resolve_defaults(unset, e, false, 2));
    CHECK(unset.workers == 5);

    ServeOptions flag;
    flag.app = "app:application";
    flag.workers = 7;
    apply_manifest(flag, manifest(kFull), flags({"workers"}));
    REQUIRE(resolve_defaults(flag, e, false, 2));
    CHECK(flag.workers == 7);
    CHECK(o.forwarded_allow_ips == std::vector<std::string>{"192.168.0.0/16"});

    ServeOptions without_env;
    without_env.app = "app:application";
    apply_manifest(without_env, manifest(kFull), flags({}));
    REQUIRE(resolve_defaults(without_env, env({}), false, 2));
    CHECK(without_env.workers == 3);
    CHECK(without_env.forwarded_allow_ips == std::vector<std::string>{"10.0.0.0/8"});
}

TEST_CASE("serve manifest: defaults change nothing, access_log off is '-'", "[worker][manifest]") {
    ServeOptions o, fresh;
    apply_manifest(o, manifest("formation: {web: 1}\n"), flags({}));
    // Keys the manifest leaves at its defaults leave serve's defaults alone.
    CHECK(o == fresh);

    apply_manifest(o, manifest("web:\n  access_log: off\n"), flags({}));
    CHECK(o.access_log == "-");
    ServeOptions kept;
    apply_manifest(kept, manifest("web:\n  access_log: off\n"), flags({"access-log"}));
    CHECK(kept.access_log == "stderr");
}

TEST_CASE("serve manifest: the request limits have one default, and any other value applies",
          "[worker][manifest]") {
    const config::WebSettings wd;
    const ServeOptions sd;
    CHECK(wd.limit_request_line == sd.limit_request_line);
    CHECK(wd.limit_request_fields == sd.limit_request_fields);
    CHECK(wd.limit_request_field_size == sd.limit_request_field_size);
    // 8192 (the manifest's old default) written explicitly is a setting, not "unset".
    ServeOptions o;
    apply_manifest(o,
                   manifest("web:\n  limit_request_line: 8192\n  limit_request_field_size: 8192\n"),
                   flags({}));
    CHECK(o.limit_request_line == 8192);
    CHECK(o.limit_request_field_size == 8192);
}

TEST_CASE("serve manifest: static options survive the hand-off to workers", "[worker][manifest]") {
    ServeOptions o;
    o.app = "app:application";
    o.bind = {"127.0.0.1:0"};
    apply_manifest(o, manifest(kFull), flags({}));
    auto back = from_args(to_args(o));
    REQUIRE(back);
    CHECK(*back == o);
    CHECK_FALSE(from_args({"--static-cors=yes"}));
}
