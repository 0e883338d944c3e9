// Route matching and admin.bind parsing.
#include <catch2/catch.hpp>

#include "admin/bind_address.hpp"
#include "admin/log_follower.hpp"
#include "admin/routes.hpp"

using namespace paasrun::admin;

TEST_CASE("admin routes: templates take one non-empty segment", "[admin][routes]") {
    auto m = match_route("GET", "/v1/releases/v3");
    REQUIRE(m);
    REQUIRE(m->route);
    CHECK(m->route->id == RouteId::releases_get);
    CHECK(m->params.at("version") == "v3");
    CHECK(match_route("GET", "/v1/releases")->route->id == RouteId::releases_list);
    CHECK(match_route("POST", "/v1/releases")->route->id == RouteId::releases_create);
    CHECK(match_route("HEAD", "/livez")->route->id == RouteId::livez);
    CHECK_FALSE(match_route("GET", "/v1/releases//"));
    CHECK_FALSE(match_route("GET", "/v1/releases/v3/extra"));
    CHECK_FALSE(match_route("GET", "/v1/processes//restart"));
    auto restart = match_route("POST", "/v1/processes/web/restart");
    CHECK(restart->params.at("type") == "web");
    auto wrong = match_route("PUT", "/v1/status");
    REQUIRE(wrong);
    CHECK_FALSE(wrong->route);
}

TEST_CASE("admin routes: every route is unique", "[admin][routes]") {
    auto all = routes();
    for (std::size_t i = 0; i < all.size(); ++i)
        for (std::size_t j = i + 1; j < all.size(); ++j)
            CHECK_FALSE((all[i].method == all[j].method && all[i].path == all[j].path));
}

TEST_CASE("admin bind: accepted forms", "[admin][bind]") {
    auto a = parse_bind_address("127.0.0.1:0");
    REQUIRE(a);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 0);
    auto v6 = parse_bind_address("[::1]:9000");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(format_bind_address(*v6) == "[::1]:9000");
    auto u = parse_bind_address("unix:/run/paasrun/admin.sock");
    REQUIRE(u);
    CHECK(u->unix_socket);
    CHECK(u->path == "/run/paasrun/admin.sock");
    CHECK(format_bind_address(*u) == "unix:/run/paasrun/admin.sock");
}

TEST_CASE("admin bind: refused forms name the problem", "[admin][bind]") {
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":80", "host:65536", "host:-1", "host:8o",
                            "::1:80", "[::1]80", "unix:", "unix:relative.sock"}) {
        INFO(bad);
        auto r = parse_bind_address(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find(bad) != std::string::npos);
    }
    CHECK_FALSE(parse_bind_address("unix:/" + std::string(120, 'x')));
}

TEST_CASE("admin logs: the follower drops lines beyond its capacity and says how many",
          "[admin][logs]") {
    LogFollower f(2);
    CHECK(f.push("a"));
    CHECK(f.push("b"));
    CHECK(f.push("c"));
    auto b = f.pop(std::chrono::milliseconds(0));
    CHECK(b.lines == std::vector<std::string>{"a", "b"});
    CHECK(b.dropped == 1);
    CHECK_FALSE(b.closed);
    f.close();
    CHECK_FALSE(f.push("d"));
    CHECK(f.pop(std::chrono::milliseconds(0)).closed);
}

TEST_CASE("admin logs: server-sent events split embedded newlines", "[admin][logs]") {
    CHECK(sse_event("hello") == "data: hello\n\n");
    CHECK(sse_event("a\nb") == "data: a\ndata: b\n\n");
    CHECK(sse_event("") == "data: \n\n");
}
