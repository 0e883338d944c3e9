// Api: every route's status codes, JSON errors, validation, redaction (no sockets).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "admin/api.hpp"
#include "fake_control.hpp"

using namespace paasrun::admin;
using nlohmann::json;
using paasrun::admin::testing::FakeControl;

namespace {

constexpr const char* kToken = "test-token-0123456789abcdef";

ApiRequest req(std::string method, std::string path, std::string body = "",
               std::multimap<std::string, std::string> query = {}) {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.authorization = std::string("Bearer ") + kToken;
    if (!body.empty()) {
        r.content_length = body.size();
        r.content_type = "application/json";
    }
    r.body = std::move(body);
    return r;
}

json body_of(const ApiResponse& r) {
    return json::parse(r.body);
}

void require_error(const ApiResponse& r, int status, const std::string& code) {
    INFO(r.body);
    REQUIRE(r.status == status);
    REQUIRE(r.content_type == "application/json");
    auto b = body_of(r);
    CHECK(b.at("error") == code);
    CHECK_FALSE(b.at("message").get<std::string>().empty());
}

struct Fixture {
    FakeControl control;
    Api api{control, kToken, ApiLimits{1 << 20, 1024}};
};

}  // namespace

TEST_CASE_METHOD(Fixture, "admin api: unknown path is a JSON 404, wrong method a 405 with Allow",
                 "[admin][api]") {
    require_error(api.handle(req("GET", "/v1/nope")), 404, "not_found");
    require_error(api.handle(req("GET", "/v1/status/")), 404, "not_found");
    auto r = api.handle(req("DELETE", "/v1/status"));
    require_error(r, 405, "method_not_allowed");
    REQUIRE(r.header("Allow"));
    CHECK(*r.header("Allow") == "GET, HEAD");
    auto c = api.handle(req("POST", "/v1/config", "{}"));
    require_error(c, 405, "method_not_allowed");
    CHECK(*c.header("Allow") == "GET, HEAD, PATCH");
}

TEST_CASE_METHOD(Fixture, "admin api: auth is required everywhere but the health endpoints",
                 "[admin][api][auth]") {
    for (const auto& route : routes()) {
        std::string path(route.path);
        for (auto [from, to] : {std::pair{"{version}", "v1"}, {"{id}", "j1"}, {"{type}", "web"}}) {
            auto at = path.find(from);
            if (at != std::string::npos) path.replace(at, std::string_view(from).size(), to);
        }
        auto r = req(std::string(route.method), path);
        r.authorization.clear();
        auto res = api.handle(r);
        INFO(route.method << " " << path);
        if (!route.needs_auth) {
            CHECK(res.status != 401);
            continue;
        }
        require_error(res, 401, "unauthorized");
        REQUIRE(res.header("WWW-Authenticate"));
        CHECK(*res.header("WWW-Authenticate") == "Bearer realm=\"paasrun\"");
    }
    // Public: the health endpoints, and the dashboard's pages and assets, which hold no data
    // (a page without a session redirects to the login page: tests/unit/admin/test_dashboard.cpp).
    auto health = std::vector<std::string>{"/livez",
                                           "/readyz",
                                           "/startupz",
                                           "/",
                                           "/dashboard/",
                                           "/dashboard/login",
                                           "/dashboard/assets/{name}"};
    for (const auto& route : routes())
        if (!route.needs_auth)
            CHECK(std::find(health.begin(), health.end(), route.path) != health.end());
}

TEST_CASE_METHOD(Fixture, "admin api: wrong and malformed tokens are 401 with the RFC 6750 error",
                 "[admin][api][auth]") {
    auto wrong = req("GET", "/v1/status");
    wrong.authorization = "Bearer not-the-token";
    auto r = api.handle(wrong);
    require_error(r, 401, "unauthorized");
    CHECK(r.header("WWW-Authenticate")->find("error=\"invalid_token\"") != std::string::npos);

    auto basic = req("GET", "/v1/status");
    basic.authorization = "Basic dXNlcjpwYXNz";
    auto b = api.handle(basic);
    require_error(b, 401, "unauthorized");
    CHECK(b.header("WWW-Authenticate")->find("invalid_request") != std::string::npos);

    auto lower = req("GET", "/v1/status");
    lower.authorization = std::string("bearer ") + kToken;
    CHECK(api.handle(lower).status == 200);
}

TEST_CASE_METHOD(Fixture, "admin api: a token in the query string is refused even when correct",
                 "[admin][api][auth]") {
    for (const char* name : {"token", "access_token"}) {
        auto r = req("GET", "/v1/status", "", {{name, kToken}});
        require_error(api.handle(r), 400, "token_in_query");
        r.authorization.clear();
        require_error(api.handle(r), 400, "token_in_query");
    }
    require_error(api.handle(req("GET", "/livez", "", {{"token", "x"}})), 400, "token_in_query");
}

TEST_CASE_METHOD(Fixture, "admin api: health endpoints", "[admin][api][health]") {
    CHECK(api.handle(req("GET", "/livez")).status == 200);
    control.live_answer = false;
    CHECK(api.handle(req("GET", "/livez")).status == 503);

    CHECK(api.handle(req("GET", "/readyz")).status == 200);
    CHECK(body_of(api.handle(req("GET", "/readyz"))).at("release") == "v2");
    CHECK(api.handle(req("GET", "/startupz")).status == 200);

    auto& s = std::get<AppStatus>(control.status_answer);
    s.draining = true;
    auto draining = api.handle(req("GET", "/readyz"));
    CHECK(draining.status == 503);
    CHECK(body_of(draining).at("status") == "draining");
    s.draining = false;
    s.ready = false;
    s.started = false;
    CHECK(api.handle(req("GET", "/readyz")).status == 503);
    CHECK(api.handle(req("GET", "/startupz")).status == 503);

    control.status_answer = ControlError{ErrorKind::internal, "supervisor did not answer"};
    CHECK(api.handle(req("GET", "/readyz")).status == 503);
    CHECK(api.handle(req("HEAD", "/readyz")).status == 503);
}

TEST_CASE_METHOD(Fixture, "admin api: GET /v1/status", "[admin][api]") {
    auto& s = std::get<AppStatus>(control.status_answer);
    paasrun::supervisor::ProcessStatus p;
    p.name = "web.1";
    p.type = "web";
    p.index = 1;
    p.pid = 42;
    p.state = paasrun::supervisor::ProcessState::up;
    p.uptime = 3.5;
    s.processes.push_back(p);
    s.web_workers.push_back(
        WebWorker{"web.1", 43, 2, 10, 1, 1 << 20, true, 1, 1e9, std::nullopt, {}});
    s.web_workers.push_back(WebWorker{"web.1", 44, 2, 0, 0, 1 << 20, true, 2, 2e9,
                                      WorkerExitInfo{41, "max-requests", 1.9e9, 60, 1000},
                                      WebSocketCounters{3, 5, 7, 11, 13, 17, {{"1000", 2}}}});
    auto r = api.handle(req("GET", "/v1/status"));
    REQUIRE(r.status == 200);
    auto b = body_of(r);
    CHECK(b.at("app") == "demo");
    CHECK(b.at("release") == "v2");
    CHECK(b.at("formation").at("web") == 2);
    CHECK(b.at("processes").at(0).at("pid") == 42);
    CHECK(b.at("processes").at(0).at("last_exit").is_null());
    CHECK(b.at("web_workers").at(0).at("requests") == 10);
    CHECK(b.at("web_workers").at(0).at("release") == "v2");
    CHECK(b.at("web_workers").at(0).at("slot") == 1);
    CHECK(b.at("web_workers").at(0).at("age_seconds").get<double>() > 0);
    CHECK(b.at("web_workers").at(0).at("previous").is_null());
    const auto& prev = b.at("web_workers").at(1).at("previous");
    CHECK(prev.at("reason") == "max-requests");
    CHECK(prev.at("pid") == 41);
    CHECK(prev.at("age_seconds") == 60);
    CHECK(prev.at("requests") == 1000);
    const auto& ws = b.at("web_workers").at(1).at("websocket");
    CHECK(ws.at("open") == 3);
    CHECK(ws.at("accepted") == 5);
    CHECK(ws.at("messages_received") == 7);
    CHECK(ws.at("bytes_sent") == 17);
    CHECK(ws.at("closes").at("1000") == 2);
    CHECK(b.at("ready") == true);
    CHECK(b.at("running_job").is_null());
    // Before any release: the process runs the app dir as-is.
    CHECK(b.at("processes").at(0).at("release").is_null());

    control.status_answer =
        ControlError{ErrorKind::internal, "supervisor did not answer within 1s"};
    require_error(api.handle(req("GET", "/v1/status")), 500, "internal");
}

TEST_CASE_METHOD(Fixture, "admin api: releases are listed newest first with config values redacted",
                 "[admin][api][releases]") {
    auto empty = api.handle(req("GET", "/v1/releases"));
    REQUIRE(empty.status == 200);
    CHECK(body_of(empty).at("releases").empty());
    CHECK(body_of(empty).at("current").is_null());

    control.seed_releases();
    auto r = api.handle(req("GET", "/v1/releases"));
    REQUIRE(r.status == 200);
    CHECK(r.body.find("s3cret") == std::string::npos);
    auto b = body_of(r);
    CHECK(b.at("current") == "v2");
    REQUIRE(b.at("releases").size() == 2);
    CHECK(b.at("releases").at(0).at("version") == "v2");
    CHECK(b.at("releases").at(0).at("status") == "current");
    CHECK(b.at("releases").at(0).at("config").at("SECRET") == "[redacted]");
    CHECK(b.at("releases").at(1).at("status") == "succeeded");

    auto revealed = api.handle(req("GET", "/v1/releases", "", {{"reveal", "true"}}));
    CHECK(body_of(revealed).at("releases").at(0).at("config").at("SECRET") == "s3cret");
    require_error(api.handle(req("GET", "/v1/releases", "", {{"reveal", "maybe"}})), 400,
                  "invalid_parameter");
}

TEST_CASE_METHOD(Fixture, "admin api: GET /v1/releases/{version}", "[admin][api][releases]") {
    control.seed_releases();
    auto r = api.handle(req("GET", "/v1/releases/v1"));
    REQUIRE(r.status == 200);
    auto b = body_of(r);
    CHECK(b.at("version") == "v1");
    CHECK(b.at("config").at("FOO") == "[redacted]");
    CHECK(b.at("process_types").at("web") == "python app.py");
    REQUIRE_FALSE(b.at("history").empty());
    CHECK(b.at("history").at(0).at("event") == "created");
    CHECK(api.handle(req("GET", "/v1/releases/2")).status == 200);
    CHECK(body_of(api.handle(req("GET", "/v1/releases/v2", "", {{"reveal", "1"}})))
              .at("config")
              .at("SECRET") == "s3cret");
    require_error(api.handle(req("GET", "/v1/releases/v99")), 404, "not_found");
    require_error(api.handle(req("GET", "/v1/releases/latest")), 404, "not_found");
}

TEST_CASE_METHOD(Fixture, "admin api: config is redacted unless revealed", "[admin][api][config]") {
    auto none = body_of(api.handle(req("GET", "/v1/config")));
    CHECK(none.at("release").is_null());
    CHECK(none.at("config").empty());

    control.seed_releases();
    auto r = api.handle(req("GET", "/v1/config"));
    REQUIRE(r.status == 200);
    CHECK(r.body.find("s3cret") == std::string::npos);
    auto b = body_of(r);
    CHECK(b.at("redacted") == true);
    CHECK(b.at("config").at("SECRET") == "[redacted]");
    auto shown = body_of(api.handle(req("GET", "/v1/config", "", {{"reveal", "true"}})));
    CHECK(shown.at("redacted") == false);
    CHECK(shown.at("config").at("SECRET") == "s3cret");
}

TEST_CASE_METHOD(Fixture, "admin api: PATCH /v1/config starts a job", "[admin][api][config]") {
    auto r = api.handle(req("PATCH", "/v1/config", R"({"FOO":"bar","OLD":null})"));
    REQUIRE(r.status == 202);
    REQUIRE(r.header("Location"));
    CHECK(*r.header("Location") == "/v1/jobs/j1");
    CHECK(body_of(r).at("id") == "j1");
    CHECK(body_of(r).at("state") == "running");
    REQUIRE(control.config_changes.size() == 2);
    CHECK(control.config_changes.at("FOO") == std::optional<std::string>("bar"));
    CHECK_FALSE(control.config_changes.at("OLD").has_value());
}

TEST_CASE_METHOD(Fixture, "admin api: PATCH /v1/config rejects bad bodies",
                 "[admin][api][config]") {
    require_error(api.handle(req("PATCH", "/v1/config", "{\"FOO\":")), 400, "invalid_json");
    require_error(api.handle(req("PATCH", "/v1/config", "not json")), 400, "invalid_json");
    auto no_body = req("PATCH", "/v1/config");
    require_error(api.handle(no_body), 400, "invalid_json");
    require_error(api.handle(req("PATCH", "/v1/config", "[1,2]")), 422, "unprocessable");
    require_error(api.handle(req("PATCH", "/v1/config", "{}")), 422, "unprocessable");
    require_error(api.handle(req("PATCH", "/v1/config", R"({"FOO":1})")), 422, "unprocessable");
    require_error(api.handle(req("PATCH", "/v1/config", R"({"FOO":true})")), 422, "unprocessable");
    require_error(api.handle(req("PATCH", "/v1/config", R"({"FOO":{"a":1}})")), 422,
                  "unprocessable");
    require_error(api.handle(req("PATCH", "/v1/config", R"({"1BAD":"x"})")), 422, "unprocessable");
    require_error(api.handle(req("PATCH", "/v1/config", R"({"A-B":"x"})")), 422, "unprocessable");
    CHECK(control.calls.empty());

    auto form = req("PATCH", "/v1/config", "FOO=bar");
    form.content_type = "application/x-www-form-urlencoded";
    require_error(api.handle(form), 415, "unsupported_media_type");
}

TEST_CASE_METHOD(Fixture, "admin api: AppControl errors map to HTTP statuses", "[admin][api]") {
    control.job_error = ControlError{ErrorKind::conflict, "job j3 (deploy) is running"};
    require_error(api.handle(req("PATCH", "/v1/config", R"({"FOO":"bar"})")), 409, "conflict");
    control.job_error = ControlError{ErrorKind::invalid, "no process type \"clock\""};
    require_error(api.handle(req("PUT", "/v1/formation", R"({"clock":1})")), 422, "unprocessable");
    control.job_error = ControlError{ErrorKind::not_found, "release v9 does not exist"};
    require_error(api.handle(req("POST", "/v1/rollback", R"({"to":"v9"})")), 404, "not_found");
    control.job_error = ControlError{ErrorKind::internal, "disk full"};
    auto r = api.handle(req("POST", "/v1/processes/web/restart"));
    require_error(r, 500, "internal");
    CHECK(body_of(r).at("message") == "disk full");
}

TEST_CASE_METHOD(Fixture, "admin api: POST /v1/rollback", "[admin][api][rollback]") {
    auto r = api.handle(req("POST", "/v1/rollback"));
    REQUIRE(r.status == 202);
    CHECK(control.rollback_to == 0);
    CHECK(api.handle(req("POST", "/v1/rollback", "{}")).status == 202);
    CHECK(control.rollback_to == 0);
    CHECK(api.handle(req("POST", "/v1/rollback", R"({"to":"v5"})")).status == 202);
    CHECK(control.rollback_to == 5);
    CHECK(api.handle(req("POST", "/v1/rollback", R"({"to":3})")).status == 202);
    CHECK(control.rollback_to == 3);

    require_error(api.handle(req("POST", "/v1/rollback", R"({"to":true})")), 422, "unprocessable");
    require_error(api.handle(req("POST", "/v1/rollback", R"({"to":"five"})")), 422,
                  "unprocessable");
    require_error(api.handle(req("POST", "/v1/rollback", R"({"to":-1})")), 422, "unprocessable");
    require_error(api.handle(req("POST", "/v1/rollback", R"({"version":"v2"})")), 422,
                  "unprocessable");
    require_error(api.handle(req("POST", "/v1/rollback", R"("v2")")), 422, "unprocessable");
    require_error(api.handle(req("POST", "/v1/rollback", "{to: v2}")), 400, "invalid_json");
}

TEST_CASE_METHOD(Fixture, "admin api: PUT /v1/formation", "[admin][api][formation]") {
    auto r = api.handle(req("PUT", "/v1/formation", R"({"web":3,"worker":0})"));
    REQUIRE(r.status == 202);
    CHECK(control.scale_counts == std::map<std::string, int>{{"web", 3}, {"worker", 0}});
    require_error(api.handle(req("PUT", "/v1/formation", R"({"web":"3"})")), 422, "unprocessable");
    require_error(api.handle(req("PUT", "/v1/formation", R"({"web":2.5})")), 422, "unprocessable");
    require_error(api.handle(req("PUT", "/v1/formation", R"({"web":-1})")), 422, "unprocessable");
    require_error(api.handle(req("PUT", "/v1/formation", R"({"web":1001})")), 422, "unprocessable");
    require_error(api.handle(req("PUT", "/v1/formation", R"({"we b":1})")), 422, "unprocessable");
    require_error(api.handle(req("PUT", "/v1/formation", R"({})")), 422, "unprocessable");
    require_error(api.handle(req("PUT", "/v1/formation", R"([])")), 422, "unprocessable");
    require_error(api.handle(req("PUT", "/v1/formation", "{\"web\":3,}")), 400, "invalid_json");
}

TEST_CASE_METHOD(Fixture, "admin api: POST /v1/processes/{type}/restart", "[admin][api]") {
    auto r = api.handle(req("POST", "/v1/processes/worker/restart"));
    REQUIRE(r.status == 202);
    CHECK(control.restarted == "worker");
    CHECK(body_of(r).at("kind") == "restart");
    require_error(api.handle(req("POST", "/v1/processes/we.b/restart")), 422, "unprocessable");
    require_error(api.handle(req("GET", "/v1/processes/web/restart")), 405, "method_not_allowed");
}

TEST_CASE_METHOD(Fixture, "admin api: GET /v1/jobs/{id} with ?since", "[admin][api][jobs]") {
    Job j;
    j.id = "j7";
    j.kind = "deploy";
    j.state = JobState::failed;
    j.step = "release_phase";
    j.release = 3;
    j.previous_release = 2;
    j.message = "release phase exited with status 1";
    j.output = {"-----> Building", "line 2", "line 3"};
    control.jobs["j7"] = j;
    auto b = body_of(api.handle(req("GET", "/v1/jobs/j7")));
    CHECK(b.at("state") == "failed");
    CHECK(b.at("release") == "v3");
    CHECK(b.at("output").size() == 3);
    CHECK(b.at("output_total") == 3);
    auto tail = body_of(api.handle(req("GET", "/v1/jobs/j7", "", {{"since", "2"}})));
    CHECK(tail.at("output") == json::array({"line 3"}));
    CHECK(tail.at("output_from") == 2);
    auto past = body_of(api.handle(req("GET", "/v1/jobs/j7", "", {{"since", "99"}})));
    CHECK(past.at("output").empty());
    require_error(api.handle(req("GET", "/v1/jobs/j7", "", {{"since", "-1"}})), 400,
                  "invalid_parameter");
    require_error(api.handle(req("GET", "/v1/jobs/j99")), 404, "not_found");
}

TEST_CASE_METHOD(Fixture, "admin api: GET /v1/logs?tail", "[admin][api][logs]") {
    control.log_lines = {"a", "b", "c"};
    auto b = body_of(api.handle(req("GET", "/v1/logs", "", {{"tail", "2"}})));
    CHECK(b.at("lines") == json::array({"b", "c"}));
    CHECK(body_of(api.handle(req("GET", "/v1/logs"))).at("lines").size() == 3);
    require_error(api.handle(req("GET", "/v1/logs", "", {{"tail", "lots"}})), 400,
                  "invalid_parameter");
    require_error(api.handle(req("GET", "/v1/logs", "", {{"tail", "10001"}})), 400,
                  "invalid_parameter");
    require_error(api.handle(req("GET", "/v1/logs", "", {{"follow", "perhaps"}})), 400,
                  "invalid_parameter");

    auto q = Api::parse_logs_query(req("GET", "/v1/logs", "", {{"follow", "true"}, {"tail", "0"}}));
    REQUIRE(std::holds_alternative<LogsQuery>(q));
    CHECK(std::get<LogsQuery>(q).follow);
    CHECK(std::get<LogsQuery>(q).tail == 0);
    auto sse_req = req("GET", "/v1/logs");
    sse_req.accept = "text/event-stream";
    auto sse = Api::parse_logs_query(sse_req);
    CHECK(std::get<LogsQuery>(sse).sse);
    CHECK(std::get<LogsQuery>(sse).follow);
}

TEST_CASE_METHOD(Fixture, "admin api: log lines with invalid UTF-8 do not break the JSON",
                 "[admin][api][logs]") {
    control.log_lines = {std::string("bad \xff\xfe byte")};
    auto r = api.handle(req("GET", "/v1/logs"));
    REQUIRE(r.status == 200);
    CHECK(body_of(r).at("lines").at(0).get<std::string>().starts_with("bad "));
}

TEST_CASE_METHOD(Fixture, "admin api: body limits are checked from Content-Length before reading",
                 "[admin][api][limits]") {
    auto big = req("PATCH", "/v1/config");
    big.content_type = "application/json";
    big.content_length = 1025;
    auto r = api.precheck(big);
    REQUIRE(r);
    require_error(*r, 413, "payload_too_large");

    auto fits = big;
    fits.content_length = 1024;
    CHECK_FALSE(api.precheck(fits));

    auto archive = req("POST", "/v1/releases");
    archive.content_type = "application/gzip";
    archive.content_length = (1 << 20) + 1;
    require_error(*api.precheck(archive), 413, "payload_too_large");
    archive.content_length = 1 << 20;
    CHECK_FALSE(api.precheck(archive));
    archive.content_type = "text/plain";
    require_error(*api.precheck(archive), 415, "unsupported_media_type");

    // Auth comes before the size check: an anonymous client learns nothing about limits.
    auto anon = big;
    anon.authorization.clear();
    CHECK(api.precheck(anon)->status == 401);

    auto chunked_get = req("GET", "/v1/status");
    chunked_get.chunked = true;
    require_error(*api.precheck(chunked_get), 400, "bad_request");

    // handle() enforces the limit on the body it was given, too (chunked bodies).
    auto read_big = req("PATCH", "/v1/config", "{\"A\":\"" + std::string(2000, 'x') + "\"}");
    read_big.content_length.reset();
    read_big.chunked = true;
    require_error(api.handle(read_big), 413, "payload_too_large");
}

TEST_CASE_METHOD(Fixture, "admin api: deploy hands the archive over, refuses while a job runs",
                 "[admin][api][deploy]") {
    auto& s = std::get<AppStatus>(control.status_answer);
    s.running_job = "j4";
    auto busy = api.deploy_precondition();
    REQUIRE(busy);
    require_error(*busy, 409, "conflict");
    s.running_job.reset();
    CHECK_FALSE(api.deploy_precondition());

    auto archive = control.dir.path / "upload-1";
    { std::ofstream(archive) << "x"; }
    auto r = api.deploy(archive);
    REQUIRE(r.status == 202);
    CHECK(*r.header("Location") == "/v1/jobs/j1");
    CHECK(control.deployed_archive == archive);
    CHECK(std::filesystem::exists(archive));  // owned by the control now

    control.job_error = ControlError{ErrorKind::conflict, "busy"};
    auto refused = control.dir.path / "upload-2";
    { std::ofstream(refused) << "x"; }
    require_error(api.deploy(refused), 409, "conflict");
    CHECK_FALSE(std::filesystem::exists(refused));  // refused: removed by the server

    CHECK(looks_like_archive(std::string("\x1f\x8b\x08", 3)));
    std::string tar(512, '\0');
    tar.replace(257, 5, "ustar");
    CHECK(looks_like_archive(tar));
    CHECK_FALSE(looks_like_archive("PK\x03\x04 zip"));
    CHECK_FALSE(looks_like_archive(""));
}

TEST_CASE_METHOD(Fixture, "admin api: metrics are Prometheus text", "[admin][api][metrics]") {
    auto r = api.handle(req("GET", "/metrics"));
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(r.body.find("paasrun_release_info{version=\"v2\"} 1\n") != std::string::npos);
    control.metrics_answer = ControlError{ErrorKind::internal, "no stats"};
    require_error(api.handle(req("GET", "/metrics")), 500, "internal");
}

TEST_CASE_METHOD(Fixture, "admin api: /v1/status tells the generations of a switch apart",
                 "[admin][api]") {
    auto& s = std::get<AppStatus>(control.status_answer);
    paasrun::supervisor::ProcessStatus old_web;
    old_web.name = "web.1";
    old_web.type = "web";
    old_web.pid = 42;
    old_web.state = paasrun::supervisor::ProcessState::up;
    old_web.release = 2;
    old_web.generation = 1;
    old_web.phase = paasrun::supervisor::ProcessPhase::active;
    old_web.ready = true;
    old_web.exits = 3;
    auto new_web = old_web;
    new_web.pid = 50;
    new_web.release = 3;
    new_web.generation = 2;
    new_web.phase = paasrun::supervisor::ProcessPhase::starting;
    new_web.ready = false;
    new_web.exits = 0;
    s.processes = {old_web, new_web};
    auto b = body_of(api.handle(req("GET", "/v1/status")));
    const auto& procs = b.at("processes");
    REQUIRE(procs.size() == 2);
    CHECK(procs.at(0).at("name") == procs.at(1).at("name"));
    CHECK(procs.at(0).at("release") == "v2");
    CHECK(procs.at(0).at("generation") == 1);
    CHECK(procs.at(0).at("phase") == "active");
    CHECK(procs.at(0).at("ready") == true);
    CHECK(procs.at(0).at("exits") == 3);
    CHECK(procs.at(1).at("release") == "v3");
    CHECK(procs.at(1).at("generation") == 2);
    CHECK(procs.at(1).at("phase") == "starting");
    CHECK(procs.at(1).at("ready") == false);
    CHECK(procs.at(1).at("exits") == 0);
}

TEST_CASE_METHOD(
    Fixture, "admin api: without the token, unknown paths and wrong methods are 401, not 404/405",
    "[admin][api][auth]") {
    for (auto [method, path] : {std::pair{"GET", "/v1/nope"}, std::pair{"GET", "/nothing"},
                                std::pair{"DELETE", "/v1/status"}, std::pair{"POST", "/v1/config"},
                                std::pair{"GET", "/v1/status/"}}) {
        auto r = req(method, path);
        r.authorization.clear();
        INFO(method << " " << path);
        require_error(api.handle(r), 401, "unauthorized");
    }
    // The health paths keep answering without a token, a wrong method there is still 405.
    auto probe = req("POST", "/livez");
    probe.authorization.clear();
    require_error(api.handle(probe), 405, "method_not_allowed");
}
