#include "admin/api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <exception>

#include "admin/auth.hpp"
#include "admin/prometheus.hpp"
#include "admin/views.hpp"
#include "release/publish.hpp"
#include "release/store.hpp"
#include "util/strings.hpp"

namespace paasrun::admin {

using nlohmann::json;

namespace {

constexpr int kMaxFormationCount = 1000;  // the manifest's limit for `formation:` counts

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return out;
}

// The media type without parameters, lower-cased: "Application/JSON; charset=utf-8" ->
// "application/json".
std::string media_type(std::string_view content_type) {
    auto semi = content_type.find(';');
    auto t = content_type.substr(0, semi);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    return lower(t);
}

bool is_json_media_type(std::string_view content_type) {
    auto t = media_type(content_type);
    return t.empty() || t == "application/json" ||
           (t.starts_with("application/") && t.ends_with("+json"));
}

bool is_archive_media_type(std::string_view content_type) {
    auto t = media_type(content_type);
    return t.empty() || t == "application/gzip" || t == "application/x-gzip" ||
           t == "application/x-tar" || t == "application/x-compressed-tar" ||
           t == "application/octet-stream";
}

// Process type names follow the Procfile rule.
bool valid_process_type(std::string_view t) {
    if (t.empty() || t.size() > 63) return false;
    return std::all_of(t.begin(), t.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

const std::string* query_value(const ApiRequest& r, const std::string& name) {
    auto it = r.query.find(name);
    return it == r.query.end() ? nullptr : &it->second;
}

// ?reveal=true|false|1|0 (absent: false). nullopt: not a boolean.
std::optional<bool> bool_param(const ApiRequest& r, const std::string& name) {
    const auto* v = query_value(r, name);
    if (!v) return false;
    auto s = lower(*v);
    if (s == "true" || s == "1" || s == "yes" || s.empty()) return true;
    if (s == "false" || s == "0" || s == "no") return false;
    return std::nullopt;
}

ApiResponse bad_param(std::string_view name, std::string_view why) {
    return error_response(400, "invalid_parameter",
                          fmt::format("query parameter {}: {}", name, why));
}

std::string json_type_name(const json& j) {
    switch (j.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "a boolean";
        case json::value_t::string:
            return "a string";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
            return "an integer";
        case json::value_t::number_float:
            return "a number";
        case json::value_t::object:
            return "an object";
        case json::value_t::array:
            return "an array";
        default:
            return "a value";
    }
}

// Parses a JSON body. An empty body is `empty_as` (null: a body is required).
std::variant<json, ApiResponse> parse_json_body(const ApiRequest& r,
                                                const json& empty_as = nullptr) {
    bool blank = std::all_of(r.body.begin(), r.body.end(), [](char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    });
    if (blank) {
        if (empty_as.is_null())
            return error_response(400, "invalid_json", "the request needs a JSON body");
        return empty_as;
    }
    try {
        return json::parse(r.body);
    } catch (const json::parse_error& e) {
        // nlohmann's what() starts with "[json.exception.parse_error.101] ": keep the rest.
        std::string what = e.what();
        auto close = what.find("] ");
        if (close != std::string::npos) what = what.substr(close + 2);
        return error_response(400, "invalid_json",
                              fmt::format("the body is not valid JSON: {}", what));
    }
}

ApiResponse unprocessable(std::string message) {
    return error_response(422, "unprocessable", message);
}

ApiResponse method_not_allowed(const RouteMatch& m, std::string_view method,
                               std::string_view path) {
    std::string allow;
    for (auto a : m.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += a;
    }
    auto r =
        error_response(405, "method_not_allowed",
                       fmt::format("{} does not accept {} (allowed: {})", path, method, allow));
    r.headers.emplace_back("Allow", allow);
    return r;
}

ApiResponse unauthorized(AuthResult why) {
    // RFC 6750 3.1: no error attribute when the request had no credentials at all.
    std::string challenge = "Bearer realm=\"paasrun\"";
    std::string message =
        "this endpoint needs `Authorization: Bearer <token>` (see docs/admin-api.md)";
    if (why == AuthResult::malformed) {
        challenge += ", error=\"invalid_request\"";
        message = "the Authorization header is not `Bearer <token>`";
    } else if (why == AuthResult::wrong) {
        challenge += ", error=\"invalid_token\"";
        message = "the bearer token is not the admin token";
    }
    auto r = error_response(401, "unauthorized", message);
    r.headers.emplace_back("WWW-Authenticate", challenge);
    return r;
}

}  // namespace

ApiResponse control_error_response(const ControlError& e) {
    switch (e.kind) {
        case ErrorKind::invalid:
            return error_response(422, "unprocessable", e.message);
        case ErrorKind::not_found:
            return error_response(404, "not_found", e.message);
        case ErrorKind::conflict:
            return error_response(409, "conflict", e.message);
        case ErrorKind::internal:
            break;
    }
    return error_response(500, "internal", e.message);
}

bool looks_like_archive(std::string_view head) {
    if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
        static_cast<unsigned char>(head[1]) == 0x8b)
        return true;
    // POSIX ustar and GNU tar both have "ustar" at offset 257 of the first header.
    return head.size() >= 262 && head.substr(257, 5) == "ustar";
}

Api::Api(AppControl& control, std::string token, ApiLimits limits)
    : control_(control), token_(std::move(token)), limits_(limits) {}

std::size_t Api::body_limit(BodyKind kind) const {
    return kind == BodyKind::archive ? limits_.max_body_bytes : limits_.max_json_bytes;
}

std::optional<ApiResponse> Api::precheck(const ApiRequest& r) const {
    auto m = match_route(r.method, r.path);
    // Only the health paths answer without the token; anything else, known or not, is 401
    // first, so a client without the token cannot map the API (which paths exist, which
    // methods they take).
    auto get = match_route("GET", r.path);
    const bool public_path = get && get->route && !get->route->needs_auth;
    if (query_has_token(r.query))
        return error_response(400, "token_in_query",
                              "a token in the query string is refused (it ends up in logs): send "
                              "`Authorization: Bearer <token>` instead");
    if (!public_path) {
        auto a = check_bearer(r.authorization, token_);
        // Without an Authorization header a browser's session cookie may stand in for the
        // token (src/admin/dashboard/): never when a token was sent, so a wrong token is 401.
        auto s = a == AuthResult::missing && extension_.session ? extension_.session(r)
                                                                : SessionCheck::none;
        if (s == SessionCheck::refused)
            return error_response(
                403, "csrf",
                "a state-changing request from the dashboard needs its X-CSRF-Token and must come "
                "from the dashboard's own origin");
        if (a != AuthResult::ok && s != SessionCheck::ok) return unauthorized(a);
    }
    if (!m) return error_response(404, "not_found", fmt::format("no such endpoint: {}", r.path));
    if (!m->route) return method_not_allowed(*m, r.method, r.path);
    const Route& route = *m->route;
    bool has_body = (r.content_length && *r.content_length > 0) || r.chunked;
    if (!has_body) return std::nullopt;
    auto limit = body_limit(route.body);
    if (r.content_length && *r.content_length > limit)
        return error_response(413, "payload_too_large",
                              fmt::format("the body is {} bytes; {} {} takes at most {} bytes",
                                          *r.content_length, route.method, route.path, limit));
    if (route.body == BodyKind::none) {
        // Small bodies on bodiless routes are read and ignored; a chunked one is refused
        // rather than read without a length to stop at.
        if (r.chunked)
            return error_response(
                400, "bad_request",
                fmt::format("{} {} takes no request body", route.method, route.path));
        return std::nullopt;
    }
    if (route.body == BodyKind::json && !is_json_media_type(r.content_type))
        return error_response(
            415, "unsupported_media_type",
            fmt::format("send the body as application/json, not {}", r.content_type));
    if (route.body == BodyKind::archive && !is_archive_media_type(r.content_type))
        return error_response(
            415, "unsupported_media_type",
            fmt::format(
                "send the archive as application/gzip (a .tar.gz) or application/x-tar, not {}",
                r.content_type));
    return std::nullopt;
}

ApiResponse Api::handle(const ApiRequest& r) {
    if (auto refused = precheck(r)) return std::move(*refused);
    auto m = match_route(r.method, r.path);
    if (r.body.size() > body_limit(m->route->body))
        return error_response(
            413, "payload_too_large",
            fmt::format("the body is larger than {} bytes", body_limit(m->route->body)));
    try {
        return dispatch(*m->route, *m, r);
    } catch (const std::exception& e) {
        return error_response(500, "internal",
                              fmt::format("{} {}: {}", r.method, r.path, e.what()));
    }
}

ApiResponse Api::dispatch(const Route& route, const RouteMatch& m, const ApiRequest& r) {
    switch (route.id) {
        case RouteId::livez:
        case RouteId::readyz:
        case RouteId::startupz:
            return health(route.id);
        case RouteId::metrics:
            return metrics();
        case RouteId::endpoints: {
            // Windows come from the dashboard's sampler (its ring of snapshots).
            auto w = parse_endpoint_window(query_value(r, "window"));
            if (!w)
                return bad_param("window",
                                 "expected all, or whole seconds 1..3600 (60, 300, 3600; or 1m, "
                                 "5m, 1h)");
            if (*w == 0) return endpoints();
            if (extension_.handle) return extension_.handle(route, m, r);
            return error_response(
                404, "not_found",
                "time windows on the endpoint table need the dashboard's sampler (it is off)");
        }
        case RouteId::status:
            return status();
        case RouteId::releases_list:
            return releases_list(r);
        case RouteId::releases_get:
            return releases_get(m.params.at("version"), r);
        case RouteId::job_get:
            return job_get(m.params.at("id"), r);
        case RouteId::rollback:
            return rollback(r);
        case RouteId::config_get:
            return config_get(r);
        case RouteId::config_patch:
            return config_patch(r);
        case RouteId::formation_put:
            return formation_put(r);
        case RouteId::process_restart:
            return process_restart(m.params.at("type"));
        case RouteId::logs:
            return logs(r);
        case RouteId::releases_create:
            break;
        case RouteId::dashboard_root:
        case RouteId::dashboard_page:
        case RouteId::dashboard_login:
        case RouteId::dashboard_asset:
        case RouteId::dashboard_session:
        case RouteId::dashboard_logout:
        case RouteId::dashboard_ticket:
        case RouteId::metrics_series:
        case RouteId::config_diff:
            if (extension_.handle) return extension_.handle(route, m, r);
            return error_response(
                404, "not_found",
                fmt::format("no such endpoint: {} (the dashboard is off)", r.path));
    }
    return error_response(
        500, "internal",
        fmt::format("{} {} is answered by the server, not Api::handle", r.method, r.path));
}

ApiResponse Api::health(RouteId id) {
    if (id == RouteId::livez) {
        if (control_.live(std::chrono::seconds(1))) return json_response(200, {{"status", "ok"}});
        return json_response(503, {{"status", "unavailable"},
                                   {"reason", "the supervisor loop did not answer within 1s"}});
    }
    auto st = control_.status();
    if (auto* e = std::get_if<ControlError>(&st))
        return json_response(503, {{"status", "unavailable"}, {"reason", e->message}});
    const auto& s = std::get<AppStatus>(st);
    if (id == RouteId::startupz) {
        if (s.started)
            return json_response(200,
                                 {{"status", "ok"}, {"release", version_json(s.current_release)}});
        return json_response(
            503, {{"status", "starting"}, {"reason", "the first web generation is not ready yet"}});
    }
    if (s.draining)
        return json_response(
            503, {{"status", "draining"}, {"reason", "shutting down: readiness is off"}});
    if (!s.ready)
        return json_response(503, {{"status", "not_ready"},
                                   {"reason", "the current release has no ready web worker"}});
    return json_response(200, {{"status", "ok"}, {"release", version_json(s.current_release)}});
}

ApiResponse Api::metrics() {
    auto m = control_.metrics();
    if (auto* e = std::get_if<ControlError>(&m)) return control_error_response(*e);
    std::optional<AppStatus> status;
    auto st = control_.status();
    // Counters are still worth exporting when the loop is slow to answer: the per-process
    // families are then left without samples for this scrape.
    if (auto* s = std::get_if<AppStatus>(&st)) status = std::move(*s);
    ApiResponse r;
    r.content_type = std::string(kPrometheusContentType);
    r.body = format_prometheus(std::get<Metrics>(m), status);
    return r;
}

ApiResponse Api::endpoints() {
    auto m = control_.metrics();
    if (auto* e = std::get_if<ControlError>(&m)) return control_error_response(*e);
    return json_response(200, endpoints_json(std::get<Metrics>(m)));
}

ApiResponse Api::status() {
    auto st = control_.status();
    if (auto* e = std::get_if<ControlError>(&st)) return control_error_response(*e);
    return json_response(200, status_json(std::get<AppStatus>(st)));
}

ApiResponse Api::releases_list(const ApiRequest& r) {
    auto reveal = bool_param(r, "reveal");
    if (!reveal) return bad_param("reveal", "expected true or false");
    auto listing = control_.releases();
    if (!listing) return error_response(500, "internal", listing.error().describe());
    int cur = listing->current;
    json out = json::array();
    for (auto it = listing->releases.rbegin(); it != listing->releases.rend(); ++it)
        out.push_back(release_json(*it, *reveal, cur));
    return json_response(200, {{"current", version_json(cur)}, {"releases", std::move(out)}});
}

ApiResponse Api::releases_get(const std::string& version, const ApiRequest& r) {
    auto reveal = bool_param(r, "reveal");
    if (!reveal) return bad_param("reveal", "expected true or false");
    auto v = release::parse_version(version);
    if (!v)
        return error_response(404, "not_found",
                              fmt::format("\"{}\" is not a release version (like v3)", version));
    auto listing = control_.releases();
    if (!listing) return error_response(500, "internal", listing.error().describe());
    if (const auto* info = listing->find(*v))
        return json_response(200,
                             release_json(*info, *reveal, listing->current, &listing->history));
    return error_response(404, "not_found", fmt::format("release v{} does not exist", *v));
}

ApiResponse Api::job_get(const std::string& id, const ApiRequest& r) {
    std::size_t since = 0;
    if (const auto* s = query_value(r, "since")) {
        auto n = parse_int<std::size_t>(*s);
        if (!n)
            return bad_param("since",
                             "expected a non-negative integer (output lines already seen)");
        since = *n;
    }
    auto job = control_.job(id);
    if (!job)
        return error_response(404, "not_found",
                              fmt::format("no job {} (jobs are kept in memory: the last 50)", id));
    return json_response(200, job_json(*job, since));
}

ApiResponse Api::job_accepted(const ControlResult<std::string>& started, std::string_view kind) {
    if (auto* e = std::get_if<ControlError>(&started)) return control_error_response(*e);
    const auto& id = std::get<std::string>(started);
    auto job = control_.job(id);
    Job placeholder;
    if (!job) {  // evicted already (50 jobs in a blink): still say what was started
        placeholder.id = id;
        placeholder.kind = std::string(kind);
        job = placeholder;
    }
    auto r = json_response(202, job_json(*job));
    r.headers.emplace_back("Location", "/v1/jobs/" + id);
    return r;
}

ApiResponse Api::rollback(const ApiRequest& r) {
    auto parsed = parse_json_body(r, json::object());
    if (auto* e = std::get_if<ApiResponse>(&parsed)) return std::move(*e);
    const auto& body = std::get<json>(parsed);
    if (!body.is_object())
        return unprocessable(fmt::format(
            "the body must be an object like {{\"to\": \"v5\"}}, not {}", json_type_name(body)));
    int to = 0;
    for (const auto& [key, value] : body.items()) {
        if (key != "to")
            return unprocessable(
                fmt::format("unknown field \"{}\" (only \"to\" is accepted)", key));
        if (value.is_null()) continue;
        if (value.is_number_integer()) {
            auto n = value.get<long long>();
            if (n < 1 || n > 1'000'000'000)
                return unprocessable(fmt::format("to: {} is not a release version", n));
            to = static_cast<int>(n);
            continue;
        }
        if (!value.is_string())
            return unprocessable(fmt::format("to: expected a version string like \"v5\", got {}",
                                             json_type_name(value)));
        auto v = release::parse_version(value.get<std::string>());
        if (!v)
            return unprocessable(fmt::format("to: \"{}\" is not a release version (like v5)",
                                             value.get<std::string>()));
        to = *v;
    }
    return job_accepted(control_.rollback(to), "rollback");
}

ApiResponse Api::config_get(const ApiRequest& r) {
    auto reveal = bool_param(r, "reveal");
    if (!reveal) return bad_param("reveal", "expected true or false");
    auto listing = control_.releases();
    if (!listing) return error_response(500, "internal", listing.error().describe());
    int cur = listing->current;
    release::ConfigVars vars;
    if (cur > 0) {
        const auto* info = listing->find(cur);
        if (!info)
            return error_response(500, "internal",
                                  fmt::format("the current release v{} is not in the store", cur));
        vars = info->release.config_vars;
    }
    return json_response(200, {{"release", version_json(cur)},
                               {"redacted", !*reveal},
                               {"config", config_vars_json(vars, *reveal)}});
}

ApiResponse Api::config_patch(const ApiRequest& r) {
    auto parsed = parse_json_body(r);
    if (auto* e = std::get_if<ApiResponse>(&parsed)) return std::move(*e);
    const auto& body = std::get<json>(parsed);
    if (!body.is_object())
        return unprocessable(fmt::format(
            "the body must be an object like {{\"FOO\": \"bar\", \"OLD\": null}}, not {}",
            json_type_name(body)));
    if (body.empty())
        return unprocessable(
            "no config vars to change: send {\"NAME\": \"value\"} or {\"NAME\": null}");
    std::map<std::string, std::optional<std::string>> changes;
    for (const auto& [key, value] : body.items()) {
        if (!release::valid_config_key(key))
            return unprocessable(
                fmt::format("\"{}\" is not a valid config var name ([A-Za-z_][A-Za-z0-9_]*)", key));
        if (value.is_null()) {
            changes.emplace(key, std::nullopt);
            continue;
        }
        // Only strings: `"PORT": 80` would silently become "80" and `true` "true"; config
        // vars are environment strings, so the client says exactly which string it means.
        if (!value.is_string())
            return unprocessable(fmt::format("{}: expected a string (or null to unset), got {}",
                                             key, json_type_name(value)));
        auto s = value.get<std::string>();
        if (s.find('\0') != std::string::npos)
            return unprocessable(fmt::format("{}: values cannot hold NUL bytes", key));
        changes.emplace(key, std::move(s));
    }
    return job_accepted(control_.set_config(std::move(changes)), "config");
}

ApiResponse Api::formation_put(const ApiRequest& r) {
    auto parsed = parse_json_body(r);
    if (auto* e = std::get_if<ApiResponse>(&parsed)) return std::move(*e);
    const auto& body = std::get<json>(parsed);
    if (!body.is_object())
        return unprocessable(fmt::format("the body must be an object like {{\"web\": 3}}, not {}",
                                         json_type_name(body)));
    if (body.empty()) return unprocessable("no process types to scale: send {\"web\": 3}");
    std::map<std::string, int> counts;
    for (const auto& [type, value] : body.items()) {
        if (!valid_process_type(type))
            return unprocessable(
                fmt::format("\"{}\" is not a process type name ([A-Za-z0-9_-]+)", type));
        if (!value.is_number_integer())
            return unprocessable(
                fmt::format("{}: expected an integer count, got {}", type, json_type_name(value)));
        auto n = value.get<long long>();
        if (n < 0 || n > kMaxFormationCount)
            return unprocessable(fmt::format("{}: the count must be from 0 to {}, got {}", type,
                                             kMaxFormationCount, n));
        counts.emplace(type, static_cast<int>(n));
    }
    return job_accepted(control_.scale(std::move(counts)), "formation");
}

ApiResponse Api::process_restart(const std::string& type) {
    if (!valid_process_type(type))
        return unprocessable(
            fmt::format("\"{}\" is not a process type name ([A-Za-z0-9_-]+)", type));
    return job_accepted(control_.restart(type), "restart");
}

std::variant<LogsQuery, ApiResponse> Api::parse_logs_query(const ApiRequest& r) {
    LogsQuery q;
    if (const auto* t = query_value(r, "tail")) {
        auto n = parse_int<std::size_t>(*t);
        if (!n || *n > kMaxLogTail)
            return bad_param("tail", fmt::format("expected an integer from 0 to {}", kMaxLogTail));
        q.tail = *n;
    }
    auto follow = bool_param(r, "follow");
    if (!follow) return bad_param("follow", "expected true or false");
    q.sse = r.accept.find("text/event-stream") != std::string::npos;
    q.follow = *follow || q.sse;
    return q;
}

ApiResponse Api::logs(const ApiRequest& r) {
    auto q = parse_logs_query(r);
    if (auto* e = std::get_if<ApiResponse>(&q)) return std::move(*e);
    if (std::get<LogsQuery>(q).follow)
        return error_response(
            500, "internal", "a following GET /v1/logs is answered by the server, not Api::handle");
    return json_response(200, {{"lines", control_.log_tail(std::get<LogsQuery>(q).tail)}});
}

std::optional<ApiResponse> Api::deploy_precondition() {
    auto st = control_.status();
    if (auto* s = std::get_if<AppStatus>(&st); s && s->running_job)
        return error_response(
            409, "conflict",
            fmt::format("job {} is running; one deploy, rollback, config change or scale at a time",
                        *s->running_job));
    return std::nullopt;
}

ApiResponse Api::deploy(std::filesystem::path archive) {
    auto started = control_.deploy(archive);
    // The control owns the archive only once it accepted it.
    if (std::holds_alternative<ControlError>(started)) {
        std::error_code ec;
        std::filesystem::remove(archive, ec);
    }
    return job_accepted(started, "deploy");
}

}  // namespace paasrun::admin
