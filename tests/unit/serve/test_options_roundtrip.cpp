// ServeOptions: to_args/from_args round trip, strictness, and environment defaults.
#include <catch2/catch.hpp>
#include <map>

#include "serve/serve_options.hpp"

using namespace paasrun::worker;

namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

ServeOptions every_field_set() {
    ServeOptions o;
    o.app = "pkg.mod:make_app()";
    o.chdir = "/srv/app dir";
    o.pythonpath = {"/a", "/b=c"};
    o.venv = "/srv/.venv";
    o.interface = "asgi";
    o.bind = {"127.0.0.1:8001", "[::1]:8002", "unix:/run/a,b.sock"};
    o.backlog = 17;
    o.workers = 3;
    o.threads = 8;
    o.loop_yield_us = 0;
    o.sched_slice_us = 1000;
    o.timeout = 0;
    o.graceful_timeout = 7;
    o.keep_alive = 2;
    o.request_timeout = 9;
    o.max_requests = 1000;
    o.max_requests_jitter = 50;
    o.max_rss_mb = 512;
    o.max_body = 0;
    o.limit_request_line = 4094;
    o.limit_request_fields = 32;
    o.limit_request_field_size = 1024;
    o.forwarded_allow_ips = {"10.0.0.0/8", "*"};
    o.root_path = "/prefix";
    o.access_log_format = AccessLogFormat::json;
    o.access_log = "-";
    o.static_mounts = {{"/static", "public"}, {"/media", "/var/media=x"}};
    o.reuse_port = true;
    o.worker_class = "gthread";
    o.worker_connections = 50;
    o.access_log_template = R"(%(h)s "%(r)s" %({x-forwarded-for}i)s)";
    o.error_log = "/var/log/app errors.log";
    o.log_level = "warning";
    o.proc_name = "shop";
    o.pidfile = "/run/shop.pid";
    o.raw_env = {"A=1", "B=x=y"};
    o.worker_tmp_dir = "/dev/shm";
    o.config = "conf/gunicorn.conf.py";
    o.check_config = true;
    o.print_config = true;
    o.static_cors = true;
    o.static_fallthrough = false;
    o.ws_max_size = 1024;
    o.ws_ping_interval = 0;
    o.ws_ping_timeout = 3;
    o.ws_idle_timeout = 55;
    o.ws_per_message_deflate = false;
    return o;
}

}  // namespace

TEST_CASE("options: defaults survive a round trip", "[worker][options]") {
    ServeOptions o;
    auto back = from_args(to_args(o));
    REQUIRE(back);
    CHECK(*back == o);
}

TEST_CASE("options: every field survives a round trip", "[worker][options]") {
    auto o = every_field_set();
    auto back = from_args(to_args(o));
    REQUIRE(back);
    CHECK(*back == o);
    CHECK(back->access_log_enabled() == false);
}

TEST_CASE("options: an emptied list stays empty instead of reverting to its default",
          "[worker][options]") {
    ServeOptions o;
    o.forwarded_allow_ips.clear();
    auto back = from_args(to_args(o));
    REQUIRE(back);
    CHECK(back->forwarded_allow_ips.empty());
}

TEST_CASE("options: from_args rejects unknown names, missing values and bad numbers",
          "[worker][options]") {
    auto unknown = from_args({"--app=a:b", "--no-such-thing=1"});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().where.column == 2);
    CHECK(unknown.error().message.find("no-such-thing") != std::string::npos);

    CHECK_FALSE(from_args({"--workers"}));
    CHECK_FALSE(from_args({"--workers=two"}));
    CHECK_FALSE(from_args({"--workers=2x"}));
    CHECK_FALSE(from_args({"--max-body=-1"}));
    CHECK_FALSE(from_args({"workers=2"}));
    CHECK_FALSE(from_args({"--access-log-format=xml"}));
    CHECK_FALSE(from_args({"--static=nodir"}));
}

TEST_CASE("options: PORT sets the default bind, else 127.0.0.1:8000, like gunicorn",
          "[worker][options]") {
    ServeOptions o;
    o.app = "app:application";
    REQUIRE(resolve_defaults(o, fake_env({{"PORT", "5001"}}), false, 2));
    CHECK(o.bind == std::vector<std::string>{"0.0.0.0:5001"});

    ServeOptions d;
    d.app = "app";
    REQUIRE(resolve_defaults(d, fake_env({}), false, 2));
    CHECK(d.bind == std::vector<std::string>{"127.0.0.1:8000"});

    ServeOptions bad;
    bad.app = "app";
    CHECK_FALSE(resolve_defaults(bad, fake_env({{"PORT", "http"}}), false, 2));
}

TEST_CASE("options: worker count from --workers, then WEB_CONCURRENCY, then the machine",
          "[worker][options]") {
    ServeOptions o;
    o.app = "app:app";
    REQUIRE(resolve_defaults(o, fake_env({{"WEB_CONCURRENCY", "6"}}), false, 3));
    CHECK(o.workers == 6);

    ServeOptions m;
    m.app = "app:app";
    REQUIRE(resolve_defaults(m, fake_env({}), false, 3));
    CHECK(m.workers == 3);

    ServeOptions explicit_n;
    explicit_n.app = "app:app";
    explicit_n.workers = 2;
    REQUIRE(resolve_defaults(explicit_n, fake_env({{"WEB_CONCURRENCY", "6"}}), false, 3));
    CHECK(explicit_n.workers == 2);

    ServeOptions bad;
    bad.app = "app:app";
    CHECK_FALSE(resolve_defaults(bad, fake_env({{"WEB_CONCURRENCY", "0"}}), false, 3));
}

TEST_CASE("options: FORWARDED_ALLOW_IPS applies only when the flag was not given",
          "[worker][options]") {
    ServeOptions o;
    o.app = "app";
    REQUIRE(
        resolve_defaults(o, fake_env({{"FORWARDED_ALLOW_IPS", "10.0.0.1, 10.0.0.2"}}), false, 1));
    CHECK(o.forwarded_allow_ips == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});

    ServeOptions cli;
    cli.app = "app";
    cli.forwarded_allow_ips = {"192.168.0.0/16,172.16.0.1"};
    REQUIRE(resolve_defaults(cli, fake_env({{"FORWARDED_ALLOW_IPS", "10.0.0.1"}}), true, 1));
    CHECK(cli.forwarded_allow_ips == std::vector<std::string>{"192.168.0.0/16", "172.16.0.1"});
}

TEST_CASE("options: comma lists in --pythonpath are split", "[worker][options]") {
    ServeOptions o;
    o.app = "app";
    o.pythonpath = {"/a,/b", "/c"};
    REQUIRE(resolve_defaults(o, fake_env({}), false, 1));
    CHECK(o.pythonpath == std::vector<std::string>{"/a", "/b", "/c"});
}

TEST_CASE("options: validate names the bad option", "[worker][options]") {
    auto base = [] {
        ServeOptions o;
        o.app = "app:application";
        o.bind = {"127.0.0.1:0"};
        o.workers = 1;
        return o;
    };
    REQUIRE(validate(base()));
    auto o = base();
    o.app = ":app";
    CHECK_FALSE(validate(o));
    o = base();
    o.app = "mod:";
    CHECK_FALSE(validate(o));
    o = base();
    o.threads = 0;
    auto r = validate(o);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("--threads") != std::string::npos);
    o = base();
    o.limit_request_line = 0;
    CHECK_FALSE(validate(o));
    o = base();
    o.root_path = "prefix/";
    CHECK_FALSE(validate(o));
    o = base();
    o.loop_yield_us = -1;
    CHECK_FALSE(validate(o));
    o = base();
    o.sched_slice_us = 100001;
    CHECK_FALSE(validate(o));
    o = base();
    o.graceful_timeout = -1;
    CHECK_FALSE(validate(o));
    o = base();
    o.ws_max_size = 0;
    r = validate(o);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("--ws-max-size") != std::string::npos);
    o = base();
    o.ws_ping_timeout = -1;
    CHECK_FALSE(validate(o));
    o = base();
    o.ws_idle_timeout = -1;
    r = validate(o);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("ws-idle-timeout") != std::string::npos);
    o = base();
    o.ws_idle_timeout = 86401;
    CHECK_FALSE(validate(o));
}

TEST_CASE("options: static mounts parse PREFIX=DIR", "[worker][options]") {
    auto m = parse_static_mount("/static=public/assets");
    REQUIRE(m);
    CHECK(m->prefix == "/static");
    CHECK(m->dir == "public/assets");
    CHECK_FALSE(parse_static_mount("static=public"));
    CHECK_FALSE(parse_static_mount("/static="));
    CHECK_FALSE(parse_static_mount("/static"));
}

TEST_CASE("options: split_list trims and drops empty items", "[worker][options]") {
    CHECK(split_list(" a, b ,,c ") == std::vector<std::string>{"a", "b", "c"});
    CHECK(split_list("").empty());
}

TEST_CASE("--interface accepts auto, asgi and wsgi only") {
    ServeOptions o;
    o.app = "app:app";
    o.bind = {"127.0.0.1:8000"};
    for (const char* ok : {"auto", "asgi", "wsgi"}) {
        o.interface = ok;
        CHECK(validate(o));
    }
    o.interface = "cgi";
    auto st = validate(o);
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("--interface") != std::string::npos);
}
