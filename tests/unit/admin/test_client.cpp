// The CLI's admin client: URL parsing, error descriptions, TCP and unix-socket transport
// against a real server with a fake control, streaming uploads and log streams; and the
// source packer's exclusions.
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "admin/client.hpp"
#include "admin/server.hpp"
#include "admin/source_archive.hpp"
#include "fake_control.hpp"
#include "release/child_process.hpp"

using namespace paasrun::admin;
using paasrun::admin::testing::FakeControl;
using paasrun::admin::testing::TempDir;

TEST_CASE("admin client: URL forms", "[admin][client]") {
    auto a = parse_admin_url("http://127.0.0.1:5100");
    REQUIRE(a);
    CHECK(a->kind == AdminUrl::Kind::http);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 5100);
    CHECK(parse_admin_url("127.0.0.1:5100")->port == 5100);
    CHECK(parse_admin_url("http://example.com/")->port == 80);
    auto tls = parse_admin_url("https://admin.example:8443");
    CHECK(tls->kind == AdminUrl::Kind::https);
    CHECK(tls->port == 8443);
    CHECK(parse_admin_url("https://admin.example")->port == 443);
    auto v6 = parse_admin_url("http://[::1]:9000");
    CHECK(v6->host == "::1");
    CHECK(v6->port == 9000);
    auto u = parse_admin_url("unix:/run/a.sock");
    CHECK(u->kind == AdminUrl::Kind::unix_socket);
    CHECK(u->path == "/run/a.sock");
    for (const char* bad : {"ftp://x:1", "http://:80", "http://x:0", "http://x:70000",
                            "http://x:1/v1", "unix:rel.sock", "http://x:"}) {
        INFO(bad);
        auto r = parse_admin_url(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find(bad) != std::string::npos);
    }
}

TEST_CASE("admin client: error responses are described from their JSON", "[admin][client]") {
    ClientResponse r{409, R"({"error":"conflict","message":"job j3 is running"})",
                     "application/json", ""};
    CHECK(r.describe() == "HTTP 409 conflict: job j3 is running");
    ClientResponse plain{502, "Bad Gateway\n", "text/plain", ""};
    CHECK(plain.describe() == "HTTP 502: Bad Gateway");
    ClientResponse empty{500, "", "", ""};
    CHECK(empty.describe() == "HTTP 500");
}

TEST_CASE("admin client: talks to the server over TCP and a unix socket", "[admin][client]") {
    FakeControl control;
    for (std::string bind :
         {std::string("127.0.0.1:0"), "unix:" + (control.dir.path / "c.sock").string()}) {
        INFO(bind);
        ServerOptions o;
        o.bind = bind;
        o.token = "client-test-token";
        auto server = Server::start(control, o);
        REQUIRE(server);
        std::string url = bind.starts_with("unix:") ? bind : "http://" + (*server)->address();
        auto c = Client::create(url, "client-test-token");
        REQUIRE(c);
        auto st = (*c)->get("/v1/status");
        REQUIRE(st);
        CHECK(st->status == 200);
        CHECK(st->body.find("\"demo\"") != std::string::npos);

        auto patched = (*c)->send_json("PATCH", "/v1/config", R"({"A":"b"})");
        REQUIRE(patched);
        CHECK(patched->status == 202);
        CHECK(patched->location.starts_with("/v1/jobs/j"));

        auto archive = control.dir.path / "a.tar.gz";
        std::string bytes(200000, 'q');
        bytes[0] = '\x1f';
        bytes[1] = '\x8b';
        { std::ofstream(archive, std::ios::binary) << bytes; }
        auto up = (*c)->upload("/v1/releases", archive, "application/gzip");
        REQUIRE(up);
        CHECK(up->status == 202);
        CHECK(control.deployed_bytes == bytes);

        auto wrong = Client::create(url, "not-it");
        auto denied = (*wrong)->get("/v1/status");
        REQUIRE(denied);
        CHECK(denied->status == 401);

        // A followed log: lines arrive through the stream callback; returning false ends it.
        control.log_lines = {"backlog"};
        std::string got;
        std::thread emitter([&] {
            for (int i = 0; i < 200 && control.subscribers() == 0; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            control.emit_log("live line");
        });
        auto streamed = (*c)->stream("/v1/logs?follow=true&tail=1", [&](std::string_view d) {
            got.append(d);
            return got.find("live line\n") == std::string::npos;
        });
        emitter.join();
        REQUIRE(streamed);
        CHECK(got == "backlog\nlive line\n");
    }
}

TEST_CASE("admin client: nothing listening is a transport error naming the URL",
          "[admin][client]") {
    TempDir dir;
    auto c = Client::create("unix:" + (dir.path / "none.sock").string(), "t");
    REQUIRE(c);
    auto r = (*c)->get("/v1/status");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("cannot connect to unix:") != std::string::npos);
}

TEST_CASE("source archive: exactly the members listed, nothing added recursively",
          "[admin][pack]") {
    TempDir dir;
    auto src = dir.path / "app";
    for (const char* d : {"pkg/sub", "skipped"}) std::filesystem::create_directories(src / d);
    for (const char* f :
         {"Procfile", "app.py", "pkg/sub/m.py", "skipped/x", ".env", "we ird\nname"})
        std::ofstream(src / f) << "x\n";
    auto out = dir.path / "out.tar.gz";
    REQUIRE(pack_source_dir(
        src, out, {"Procfile", "pkg", "pkg/sub", "pkg/sub/m.py", "skipped", "we ird\nname"}));
    paasrun::release::ChildSpec list;
    list.argv = {"/bin/tar", "-tzf", out.string()};
    list.env = {"PATH=/usr/bin:/bin"};
    list.capture_stdout = true;
    auto r = paasrun::release::run_child(list);
    REQUIRE(r);
    REQUIRE(r->success());
    INFO(r->out);
    CHECK(r->out.find("./Procfile\n") != std::string::npos);
    CHECK(r->out.find("./pkg/sub/m.py\n") != std::string::npos);
    CHECK(r->out.find("./skipped/\n") != std::string::npos);
    CHECK(r->out.find("we ird") != std::string::npos);
    for (const char* gone : {"app.py", ".env", "skipped/x"})
        CHECK(r->out.find(gone) == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path / "out.tar.gz.members"));

    auto missing = pack_source_dir(dir.path / "nope", out, {});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("not a directory") != std::string::npos);
}
