// The dashboard's security rules and series without sockets: tickets (once, 60 s), sessions
// (idle and absolute expiry, logout), the session cookie standing in for the token on the
// API with CSRF and same-origin checks for state-changing requests, the pages' headers,
// and the 1 s series (rates, quantiles, bounded ring, release markers).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "admin/api.hpp"
#include "admin/dashboard/assets.hpp"
#include "admin/dashboard/dashboard.hpp"
#include "admin/dashboard/web_rules.hpp"
#include "fake_control.hpp"

using namespace paasrun::admin;
using namespace paasrun::admin::dashboard;
using nlohmann::json;
using paasrun::admin::testing::FakeControl;
using namespace std::chrono_literals;

namespace {

constexpr const char* kToken = "test-token-0123456789abcdef";

struct FakeClock {
    Sessions::Clock::time_point now = Sessions::Clock::time_point(1000h);
    std::function<Sessions::Clock::time_point()> fn() {
        return [this] { return now; };
    }
};

ApiRequest browser(std::string method, std::string path, const std::string& session_id = "") {
    ApiRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.host = "127.0.0.1:5100";
    if (!session_id.empty()) r.cookie = "other=1; paasrun_session=" + session_id;
    return r;
}

std::string header(const ApiResponse& r, std::string_view name) {
    const auto* h = r.header(name);
    return h ? *h : std::string();
}

std::string session_from(const ApiResponse& r) {
    auto c = header(r, "Set-Cookie");
    auto eq = c.find('=');
    auto semi = c.find(';');
    return c.substr(eq + 1, semi - eq - 1);
}

struct Fixture {
    FakeControl control;
    Dashboard dash{control, SessionLimits{}, false};
    Api api{control, kToken, ApiLimits{}};
    Fixture() { api.extend(dash.extension()); }

    // Logs in with the token as the login form does; returns the session.
    Session login() {
        auto r = browser("POST", "/v1/dashboard/session");
        r.authorization = std::string("Bearer ") + kToken;
        auto res = api.handle(r);
        REQUIRE(res.status == 204);
        auto id = session_from(res);
        auto s = dash.sessions().find(id);
        REQUIRE(s);
        return *s;
    }
};

}  // namespace

TEST_CASE("dashboard sessions: a ticket logs in once, within its time", "[admin][dashboard]") {
    FakeClock clock;
    Sessions s(SessionLimits{}, clock.fn());
    auto t = s.create_ticket();
    REQUIRE(t.size() == 64);
    auto first = s.redeem_ticket(t);
    REQUIRE(first);
    CHECK_FALSE(s.redeem_ticket(t));  // reuse
    CHECK(s.find(first->id));

    auto late = s.create_ticket();
    clock.now += 60s;
    CHECK_FALSE(s.redeem_ticket(late));  // expired at 60 s
    auto in_time = s.create_ticket();
    clock.now += 59s;
    CHECK(s.redeem_ticket(in_time));
    CHECK_FALSE(s.redeem_ticket("not-a-ticket"));
    CHECK_FALSE(s.redeem_ticket(""));
}

TEST_CASE("dashboard sessions: idle and absolute expiry, logout, bounded count",
          "[admin][dashboard]") {
    FakeClock clock;
    SessionLimits limits;
    limits.max_sessions = 3;
    Sessions s(limits, clock.fn());
    auto a = s.create();
    REQUIRE(a);
    CHECK(a->id != a->csrf);
    clock.now += 29min;
    CHECK(s.find(a->id));  // restarts the idle timer
    clock.now += 29min;
    CHECK(s.find(a->id));
    clock.now += 30min;
    CHECK_FALSE(s.find(a->id));  // idle for 30 min

    auto b = s.create();
    for (int i = 0; i < 12 * 3; ++i) {
        clock.now += 20min;
        if (i < 12 * 3 - 1) REQUIRE(s.find(b->id));
    }
    CHECK_FALSE(s.find(b->id));  // 12 h after it began, however busy

    auto c = s.create();
    s.remove(c->id);
    CHECK_FALSE(s.find(c->id));

    auto d1 = s.create(), d2 = s.create(), d3 = s.create(), d4 = s.create();
    CHECK_FALSE(s.find(d1->id));  // the oldest made room
    CHECK(s.find(d4->id));
}

TEST_CASE("dashboard web rules: cookies, origin, headers", "[admin][dashboard]") {
    CHECK(cookie_value("a=1; paasrun_session=abc; b=2", "paasrun_session") ==
          std::string_view("abc"));
    CHECK(cookie_value("xpaasrun_session=abc", "paasrun_session") == std::nullopt);
    CHECK(cookie_value("", "paasrun_session") == std::nullopt);
    auto c = session_cookie("abc", 3600s, false);
    CHECK(c.find("HttpOnly") != std::string::npos);
    CHECK(c.find("SameSite=Strict") != std::string::npos);
    CHECK(c.find("Secure") == std::string::npos);
    CHECK(session_cookie("abc", 3600s, true).find("; Secure") != std::string::npos);
    CHECK(forwarded_https("https"));
    CHECK(forwarded_https("HTTPS, http"));
    CHECK_FALSE(forwarded_https("http"));
    CHECK_FALSE(forwarded_https(""));

    ApiRequest r;
    r.host = "127.0.0.1:5100";
    CHECK(same_origin(r));
    r.origin = "http://127.0.0.1:5100";
    CHECK(same_origin(r));
    r.origin = "https://evil.example";
    CHECK_FALSE(same_origin(r));
    r.origin = "null";
    CHECK_FALSE(same_origin(r));
    r.origin = "";
    r.sec_fetch_site = "cross-site";
    CHECK_FALSE(same_origin(r));
    r.sec_fetch_site = "same-origin";
    CHECK(same_origin(r));

    bool csp = false;
    for (const auto& [k, v] : security_headers(true))
        if (k == "Content-Security-Policy") {
            csp = true;
            CHECK(v.find("script-src 'self'") != std::string::npos);
            CHECK(v.find("unsafe-inline") == std::string::npos);
            CHECK(v.find("frame-ancestors 'none'") != std::string::npos);
        }
    CHECK(csp);
    CHECK(html_escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

TEST_CASE_METHOD(Fixture, "dashboard: a page without a session redirects to the login page",
                 "[admin][dashboard]") {
    auto r = api.handle(browser("GET", "/dashboard/"));
    CHECK(r.status == 303);
    CHECK(header(r, "Location") == "/dashboard/login");
    CHECK(header(r, "X-Frame-Options") == "DENY");
    auto bogus = api.handle(browser("GET", "/dashboard/", std::string(64, 'a')));
    CHECK(bogus.status == 303);
    auto login = api.handle(browser("GET", "/dashboard/login"));
    CHECK(login.status == 200);
    CHECK(login.content_type.starts_with("text/html"));
    CHECK(login.body.find("<script>") == std::string::npos);  // no inline script
    CHECK(login.body.find("{{") == std::string::npos);
    CHECK(api.handle(browser("GET", "/")).status == 303);
}

TEST_CASE_METHOD(Fixture, "dashboard: a one-time link logs in once", "[admin][dashboard]") {
    auto req = browser("POST", "/v1/dashboard/tickets");
    CHECK(api.handle(req).status == 401);  // needs the token
    req.authorization = std::string("Bearer ") + kToken;
    auto t = api.handle(req);
    REQUIRE(t.status == 201);
    auto body = json::parse(t.body);
    auto ticket = body.at("ticket").get<std::string>();
    CHECK(body.at("login_path") == "/dashboard/login?ticket=" + ticket);
    CHECK(body.at("expires_in_seconds") == 60);
    CHECK(t.body.find(kToken) == std::string::npos);

    auto login = browser("GET", "/dashboard/login");
    login.query.emplace("ticket", ticket);
    auto ok = api.handle(login);
    REQUIRE(ok.status == 303);
    CHECK(header(ok, "Location") == "/dashboard/");
    auto id = session_from(ok);
    CHECK(header(ok, "Set-Cookie").find("HttpOnly; SameSite=Strict") != std::string::npos);
    CHECK(header(ok, "Referrer-Policy") == "no-referrer");

    auto again = api.handle(login);
    CHECK(again.status == 403);  // used already
    CHECK(again.header("Set-Cookie") == nullptr);

    auto page = api.handle(browser("GET", "/dashboard/", id));
    REQUIRE(page.status == 200);
    auto s = dash.sessions().find(id);
    CHECK(page.body.find("content=\"" + s->csrf + "\"") != std::string::npos);
    CHECK(header(page, "Cache-Control") == "no-store");
    CHECK(header(page, "Content-Security-Policy").find("default-src 'none'") != std::string::npos);
}

TEST_CASE_METHOD(Fixture, "dashboard: the session cookie works on the API, with CSRF for changes",
                 "[admin][dashboard]") {
    auto s = login();
    CHECK(api.handle(browser("GET", "/v1/status", s.id)).status == 200);
    CHECK(api.handle(browser("GET", "/v1/status", "wrong")).status == 401);

    auto patch = browser("PATCH", "/v1/config", s.id);
    patch.body = R"({"FOO": "bar"})";
    patch.content_type = "application/json";
    patch.content_length = patch.body.size();
    auto no_csrf = api.handle(patch);
    CHECK(no_csrf.status == 403);
    CHECK(json::parse(no_csrf.body).at("error") == "csrf");
    CHECK(control.config_changes.empty());

    patch.csrf_token = s.csrf;  // the session's token with its first digit changed
    patch.csrf_token[0] = patch.csrf_token[0] == '0' ? '1' : '0';
    CHECK(api.handle(patch).status == 403);

    patch.csrf_token = s.csrf;
    patch.origin = "http://evil.example";
    CHECK(api.handle(patch).status == 403);
    CHECK(control.config_changes.empty());

    patch.origin = "http://127.0.0.1:5100";
    CHECK(api.handle(patch).status == 202);
    CHECK(control.config_changes.at("FOO") == "bar");

    // A wrong bearer token is 401 even with a valid session: the token is never second-guessed.
    auto with_bad_token = browser("GET", "/v1/status", s.id);
    with_bad_token.authorization = "Bearer wrong";
    CHECK(api.handle(with_bad_token).status == 401);

    // The bearer token works without CSRF, as it always did.
    auto bearer = browser("POST", "/v1/processes/web/restart");
    bearer.authorization = std::string("Bearer ") + kToken;
    CHECK(api.handle(bearer).status == 202);

    // Logout needs the CSRF token too, then the session is gone.
    auto out = browser("POST", "/v1/dashboard/logout", s.id);
    CHECK(api.handle(out).status == 403);
    out.csrf_token = s.csrf;
    auto done = api.handle(out);
    CHECK(done.status == 204);
    CHECK(header(done, "Set-Cookie").find("Max-Age=0") != std::string::npos);
    CHECK(api.handle(browser("GET", "/v1/status", s.id)).status == 401);
}

TEST_CASE_METHOD(Fixture, "dashboard: assets are embedded, pages are not served raw",
                 "[admin][dashboard]") {
    for (const char* name :
         {"app.js", "login.js", "style.css", "uPlot.iife.min.js", "uPlot.min.css"}) {
        INFO(name);
        auto r = api.handle(browser("GET", std::string("/dashboard/assets/") + name));
        REQUIRE(r.status == 200);
        CHECK(r.body.size() > 100);
        CHECK(header(r, "X-Content-Type-Options") == "nosniff");
    }
    CHECK(api.handle(browser("GET", "/dashboard/assets/app.js"))
              .content_type.starts_with("text/javascript"));
    CHECK(api.handle(browser("GET", "/dashboard/assets/index.html")).status == 404);
    CHECK(api.handle(browser("GET", "/dashboard/assets/nope.js")).status == 404);
    // No page script inline: every <script> has a src.
    for (const char* page : {"index.html", "login.html"}) {
        std::string body(find_asset(page)->body);
        CHECK(body.find("<script>") == std::string::npos);
        CHECK_FALSE(
            std::regex_search(body, std::regex(R"(\son[a-z]+=)")));  // no onclick= handlers either
    }
}

TEST_CASE("dashboard series: rates, quantiles, markers, bounded ring", "[admin][dashboard]") {
    std::vector<double> bounds{0.01, 0.1, 1.0};
    // 100 requests: 50 in (0, 10ms], 45 in (10ms, 100ms], 5 in (100ms, 1s].
    CHECK(histogram_quantile(0.5, bounds, {50, 45, 5, 0}).value() == Approx(0.01));
    CHECK(histogram_quantile(0.95, bounds, {50, 45, 5, 0}).value() == Approx(0.1));
    CHECK(histogram_quantile(0.99, bounds, {50, 45, 5, 0}).value() == Approx(0.1 + 0.9 * 4 / 5));
    CHECK_FALSE(histogram_quantile(0.5, bounds, {0, 0, 0, 0}));
    CHECK(histogram_quantile(0.99, bounds, {0, 0, 0, 3}).value() == Approx(1.0));

    Series s;
    Metrics m;
    m.latency_bounds = bounds;
    m.latency_buckets = {0, 0, 0};
    m.requests_by_class = {{"1xx", 0}, {"2xx", 0}, {"3xx", 0}, {"4xx", 0}, {"5xx", 0}};
    AppStatus st;
    st.current_release = 3;
    s.add(100, m, &st, "");
    CHECK(s.size() == 0);  // a baseline only
    m.requests_by_class["2xx"] = 10;
    m.requests_by_class["5xx"] = 2;
    m.latency_buckets = {12, 12, 12};  // cumulative: all 12 under 10 ms
    m.latency_count = 12;
    st.current_release = 4;
    WebWorker w;
    w.pid = 42;
    w.rss_bytes = 1 << 20;
    st.web_workers.push_back(w);
    s.add(101, m, &st, "rollback");
    auto j = s.json_since(0);
    REQUIRE(j.at("t").size() == 1);
    CHECK(j.at("requests")[0] == 12);
    CHECK(j.at("requests_per_second").at("2xx")[0] == 10.0);
    CHECK(j.at("requests_per_second").at("5xx")[0] == 2.0);
    CHECK(j.at("latency_seconds").at("p50")[0].get<double>() == Approx(0.005));
    CHECK(j.at("rss_bytes").at("42")[0] == (1 << 20));
    REQUIRE(j.at("events").size() == 1);
    CHECK(j.at("events")[0].at("kind") == "rollback");
    CHECK(j.at("events")[0].at("release") == "v4");
    CHECK(s.json_since(101).at("t").empty());

    for (int i = 0; i < 4000; ++i) s.add(102 + i, m, &st, "");
    CHECK(s.size() == kSeriesCapacity);
    auto all = s.json_since(0);
    CHECK(all.at("t").size() == kSeriesCapacity);
    CHECK(all.at("t")[0] == 102 + 4000 - kSeriesCapacity);    // oldest first, the newest hour kept
    CHECK(all.at("latency_seconds").at("p50")[5].is_null());  // no requests in that second
}

TEST_CASE("dashboard series: WebSocket connections open and messages per second",
          "[admin][dashboard]") {
    Series s;
    Metrics m;
    s.add(100, m, nullptr, "");
    m.websocket.open = 3;
    m.websocket.messages_received = 20;
    m.websocket.messages_sent = 10;
    s.add(102, m, nullptr, "");  // two seconds: rates are per second
    m.websocket.open = 1;
    m.websocket.messages_received = 5;  // went backwards (a worker's file went away): 0
    s.add(103, m, nullptr, "");
    auto ws = s.json_since(0).at("websocket");
    REQUIRE(ws.at("open").size() == 2);
    CHECK(ws.at("open")[0] == 3);
    CHECK(ws.at("open")[1] == 1);
    CHECK(ws.at("messages_received_per_second")[0].get<double>() == Approx(10.0));
    CHECK(ws.at("messages_sent_per_second")[0].get<double>() == Approx(5.0));
    CHECK(ws.at("messages_received_per_second")[1].get<double>() == Approx(0.0));
    CHECK(ws.at("messages_sent_per_second")[1].get<double>() == Approx(0.0));
}
