#include "admin/dashboard/dashboard.hpp"

#include <fmt/format.h>

#include <chrono>

#include "admin/auth.hpp"
#include "admin/dashboard/assets.hpp"
#include "admin/dashboard/web_rules.hpp"
#include "admin/views.hpp"
#include "release/store.hpp"

namespace paasrun::admin::dashboard {

using nlohmann::json;

namespace {

constexpr auto kTick = std::chrono::seconds(1);

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

ApiResponse with_security(ApiResponse r, bool page) {
    for (auto& h : security_headers(page)) r.headers.push_back(std::move(h));
    return r;
}

ApiResponse redirect(std::string location) {
    ApiResponse r;
    r.status = 303;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "See " + location + "\n";
    r.headers.emplace_back("Location", std::move(location));
    return with_security(std::move(r), true);
}

// An HTML template with {{NAME}} placeholders replaced by already-escaped text.
std::string render(std::string_view name,
                   const std::vector<std::pair<std::string, std::string>>& vars) {
    const auto* a = find_asset(name);
    if (!a) return fmt::format("missing asset {}", name);
    std::string out(a->body);
    for (const auto& [k, v] : vars) {
        auto key = "{{" + k + "}}";
        for (auto pos = out.find(key); pos != std::string::npos;
             pos = out.find(key, pos + v.size()))
            out.replace(pos, key.size(), v);
    }
    return out;
}

ApiResponse html(int status, std::string body) {
    ApiResponse r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::move(body);
    return with_security(std::move(r), true);
}

const std::string* query_value(const ApiRequest& r, const std::string& name) {
    auto it = r.query.find(name);
    return it == r.query.end() ? nullptr : &it->second;
}

}  // namespace

Dashboard::Dashboard(AppControl& control, SessionLimits limits, bool sample)
    : control_(control), sessions_(limits), started_at_(unix_now()), windows_(started_at_) {
    if (sample) sampler_ = std::thread([this] { sample_loop(); });
}

Dashboard::~Dashboard() {
    stop();
}

void Dashboard::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (sampler_.joinable()) sampler_.join();
}

// Once a second: the counters /metrics reads and the process table /v1/status reads. The
// kind of the job that changed the release labels the chart marker.
void Dashboard::sample_loop() {
    std::string last_job;
    auto next = std::chrono::steady_clock::now();
    for (;;) {
        {
            std::unique_lock lk(mu_);
            next += kTick;
            if (cv_.wait_until(lk, next, [&] { return stopping_; })) return;
        }
        auto m = control_.metrics();
        auto st = control_.status();
        auto* s = std::get_if<AppStatus>(&st);
        // The newest job, running or finished: a job that ran between two samples (a fast
        // redeploy) still names the release change it made.
        if (s && s->running_job) last_job = *s->running_job;
        if (s && s->last_job) last_job = s->last_job->id;
        std::string kind;
        if (!last_job.empty())
            if (auto j = control_.job(last_job))
                kind = j->state == JobState::rolled_back ? "rollback" : j->kind;
        if (auto* mm = std::get_if<Metrics>(&m)) {
            auto t = unix_now();
            series_.add(t, *mm, s, kind, s ? read_cpu(*s) : std::vector<CpuReading>{});
            windows_.add(t, mm->endpoints, mm->endpoint_latency_bounds);
        }
        // A tick that took long (a slow supervisor loop) is not made up for: skip ahead.
        auto now = std::chrono::steady_clock::now();
        if (now > next + kTick) next = now;
    }
}

bool Dashboard::is_public_route(const Route& route) {
    switch (route.id) {
        case RouteId::dashboard_root:
        case RouteId::dashboard_page:
        case RouteId::dashboard_login:
        case RouteId::dashboard_asset:
            return true;
        default:
            return false;
    }
}

ApiExtension Dashboard::extension() {
    ApiExtension e;
    e.session = [this](const ApiRequest& r) { return check_session(r); };
    e.handle = [this](const Route& route, const RouteMatch& m, const ApiRequest& r) {
        return handle(route, m, r);
    };
    return e;
}

SessionCheck Dashboard::check_session(const ApiRequest& r) {
    auto id = cookie_value(r.cookie, kCookieName);
    if (!id || id->empty()) return SessionCheck::none;
    auto s = sessions_.find(*id);
    if (!s) return SessionCheck::none;
    if (!state_changing(r.method)) return SessionCheck::ok;
    if (!same_origin(r) || !constant_time_equals(r.csrf_token, s->csrf))
        return SessionCheck::refused;
    return SessionCheck::ok;
}

ApiResponse Dashboard::handle(const Route& route, const RouteMatch& m, const ApiRequest& r) {
    switch (route.id) {
        case RouteId::dashboard_root:
            return redirect("/dashboard/");
        case RouteId::dashboard_page:
            return page(r);
        case RouteId::dashboard_login:
            return login_page(r);
        case RouteId::dashboard_asset:
            return asset(m.params.at("name"));
        case RouteId::dashboard_session:
            return create_session(r);
        case RouteId::dashboard_logout:
            return logout(r);
        case RouteId::dashboard_ticket:
            return ticket();
        case RouteId::metrics_series:
            return series(r);
        case RouteId::config_diff:
            return config_diff(r);
        case RouteId::endpoints:
            return endpoints_window(r);
        default:
            break;
    }
    return error_response(500, "internal",
                          fmt::format("{} {} is not a dashboard route", r.method, r.path));
}

// The app shell: only with a session (else the login page), with the session's CSRF token in
// a <meta> the scripts read (a page is never cached: Cache-Control no-store).
ApiResponse Dashboard::page(const ApiRequest& r) {
    auto id = cookie_value(r.cookie, kCookieName);
    auto s = id ? sessions_.find(*id) : std::nullopt;
    if (!s) return redirect("/dashboard/login");
    return html(200, render("index.html", {{"CSRF", html_escape(s->csrf)}}));
}

ApiResponse Dashboard::login_page(const ApiRequest& r) {
    const bool secure = forwarded_https(r.forwarded_proto);
    if (const auto* t = query_value(r, "ticket")) {
        auto s = sessions_.redeem_ticket(*t);
        if (!s)
            return html(403, render("login.html",
                                    {{"MESSAGE",
                                      "This login link is no longer valid: a link works once, "
                                      "within 60 seconds. Run <code>paasrun dashboard</code> "
                                      "again, or log in with the admin token."}}));
        auto res = redirect("/dashboard/");
        res.headers.emplace_back("Set-Cookie",
                                 session_cookie(s->id, sessions_.limits().max_age, secure));
        return res;
    }
    auto id = cookie_value(r.cookie, kCookieName);
    if (id && sessions_.find(*id)) return redirect("/dashboard/");
    return html(200, render("login.html", {{"MESSAGE", ""}}));
}

ApiResponse Dashboard::asset(const std::string& name) {
    const auto* a = find_asset(name);
    // Pages are templates served by their routes, never raw.
    if (!a || name.ends_with(".html"))
        return with_security(
            error_response(404, "not_found", fmt::format("no dashboard asset {}", name)), false);
    ApiResponse r;
    r.content_type = std::string(a->content_type);
    r.body = std::string(a->body);
    r.headers.emplace_back("ETag", fmt::format("\"{}\"", a->sha256.substr(0, 16)));
    return with_security(std::move(r), false);
}

// POST /v1/dashboard/session with the bearer token (the login form): a session cookie.
ApiResponse Dashboard::create_session(const ApiRequest& r) {
    auto s = sessions_.create();
    if (!s) return error_response(500, "internal", "could not generate a session id");
    ApiResponse res;
    res.status = 204;
    res.content_type = "text/plain";
    res.headers.emplace_back("Set-Cookie", session_cookie(s->id, sessions_.limits().max_age,
                                                          forwarded_https(r.forwarded_proto)));
    return with_security(std::move(res), true);
}

ApiResponse Dashboard::logout(const ApiRequest& r) {
    if (auto id = cookie_value(r.cookie, kCookieName)) sessions_.remove(*id);
    ApiResponse res;
    res.status = 204;
    res.content_type = "text/plain";
    res.headers.emplace_back("Set-Cookie",
                             clear_session_cookie(forwarded_https(r.forwarded_proto)));
    return with_security(std::move(res), true);
}

ApiResponse Dashboard::ticket() {
    auto t = sessions_.create_ticket();
    if (t.empty()) return error_response(500, "internal", "could not generate a login ticket");
    auto res = json_response(201, {{"ticket", t},
                                   {"login_path", "/dashboard/login?ticket=" + t},
                                   {"expires_in_seconds", sessions_.limits().ticket_ttl.count()}});
    res.headers.emplace_back("Cache-Control", "no-store");
    return res;
}

ApiResponse Dashboard::series(const ApiRequest& r) {
    double since = 0;
    if (const auto* s = query_value(r, "since")) {
        try {
            std::size_t used = 0;
            since = std::stod(*s, &used);
            if (used != s->size() || !(since >= 0)) throw std::invalid_argument("since");
        } catch (const std::exception&) {
            return error_response(400, "invalid_parameter",
                                  "query parameter since: expected unix seconds (a number >= 0)");
        }
    }
    auto out = series_.json_since(since);
    out["now"] = unix_now();
    out["started_at"] = started_at_;
    auto res = json_response(200, out);
    res.body =
        out.dump(-1, ' ', false, json::error_handler_t::replace);  // polled every second: compact
    return res;
}

// GET /v1/endpoints?window=N (Api answers `all` itself): the difference between the newest
// snapshot of the table and the one N seconds before it.
ApiResponse Dashboard::endpoints_window(const ApiRequest& r) {
    auto seconds = parse_endpoint_window(query_value(r, "window"));
    if (!seconds || *seconds == 0)
        return error_response(400, "invalid_parameter",
                              "query parameter window: expected whole seconds 1..3600");
    auto w = windows_.window(*seconds);
    // Before the sampler's first tick (a second after start) nothing has been counted.
    if (!w) return json_response(200, endpoints_window_json({}, *seconds, started_at_, unix_now()));
    return json_response(200, endpoints_window_json(w->rows, *seconds, w->from, w->to));
}

// GET /v1/config/diff?from=v3&to=v5[&reveal=true]: which config vars the later release added,
// removed or changed; values masked unless revealed.
ApiResponse Dashboard::config_diff(const ApiRequest& r) {
    const auto* from = query_value(r, "from");
    const auto* to = query_value(r, "to");
    if (!from || !to)
        return error_response(400, "invalid_parameter",
                              "query parameters from and to are required (like from=v3&to=v5)");
    auto a = release::parse_version(*from);
    auto b = release::parse_version(*to);
    if (!a || !b)
        return error_response(400, "invalid_parameter",
                              "from and to must be release versions (like v3)");
    const auto* rv = query_value(r, "reveal");
    bool reveal = rv && (*rv == "true" || *rv == "1");
    // Releases come through the control, which owns the store (app_control.hpp).
    auto listing = control_.releases();
    if (!listing)
        return error_response(500, "internal",
                              "cannot read the releases: " + listing.error().describe());
    const auto* ia = listing->find(*a);
    if (!ia) return error_response(404, "not_found", fmt::format("release v{} does not exist", *a));
    const auto* ib = listing->find(*b);
    if (!ib) return error_response(404, "not_found", fmt::format("release v{} does not exist", *b));
    const auto* ra = &ia->release;
    const auto* rb = &ib->release;
    auto shown = [&](const std::string& v) { return reveal ? v : std::string(kRedacted); };
    json changes = json::array();
    const auto& va = ra->config_vars;
    const auto& vb = rb->config_vars;
    for (const auto& [k, v] : va) {
        auto it = vb.find(k);
        if (it == vb.end())
            changes.push_back(
                {{"key", k}, {"change", "removed"}, {"from", shown(v)}, {"to", nullptr}});
        else if (it->second != v)
            changes.push_back(
                {{"key", k}, {"change", "changed"}, {"from", shown(v)}, {"to", shown(it->second)}});
    }
    for (const auto& [k, v] : vb)
        if (!va.count(k))
            changes.push_back(
                {{"key", k}, {"change", "added"}, {"from", nullptr}, {"to", shown(v)}});
    return json_response(200, {{"from", version_json(*a)},
                               {"to", version_json(*b)},
                               {"redacted", !reveal},
                               {"changes", std::move(changes)}});
}

}  // namespace paasrun::admin::dashboard
