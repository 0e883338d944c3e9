// `paasrun ps | logs | deploy` and the `--to URL` forms of `releases | rollback | config |
// config:set | config:unset`: clients of a running instance's admin API (remote.hpp lists
// the exit codes; docs/admin-api.md the API). Output is plain lines, flushed as they come,
// for CI logs.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "admin/client.hpp"
#include "admin/instance_file.hpp"
#include "admin/log_record.hpp"
#include "admin/source_archive.hpp"
#include "app/commands.hpp"
#include "app/remote.hpp"
#include "build/source_tree.hpp"
#include "config/data_dir.hpp"
#include "config/manifest.hpp"
#include "process/line_splitter.hpp"
#include "release/release.hpp"
#include "release/store.hpp"
#include "util/strings.hpp"

namespace paasrun::app {

namespace remote {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr int kMaxTransportRetries = 10;  // consecutive poll failures tolerated (~5 s)
constexpr int kMaxLogFetch = 10000;       // GET /v1/logs?tail= accepts at most this

void say(std::string_view line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
}

int fail(std::string_view command, std::string_view message, int code) {
    fmt::print(stderr, "paasrun {}: error: {}\n", command, message);
    return code;
}

const char* env(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

// --token, $PAASRUN_ADMIN_TOKEN, else the token file of the app in the current directory
// (the common case of a CLI on the same host as `paasrun start`).
std::string resolve_token(const Target& t) {
    if (!t.token.empty()) return t.token;
    if (const char* e = env("PAASRUN_ADMIN_TOKEN")) return e;
    std::error_code ec;
    fs::path file = !t.token_file.empty()
                        ? fs::path(t.token_file)
                        : release::resolve_state_dir(fs::current_path(ec)) / "admin-token";
    std::ifstream in(file);
    std::string token;
    if (in) in >> token;
    return token;
}

std::string resolve_url(const Target& t) {
    if (!t.url.empty()) return t.url;
    const char* e = env("PAASRUN_URL");
    return e ? e : "";
}

Result<std::unique_ptr<admin::Client>> connect(const Target& t) {
    auto url = resolve_url(t);
    if (url.empty())
        return Error(
            "no running instance of the app in this directory and no admin URL: run `paasrun up` "
            "here, or pass --to URL / set PAASRUN_URL (the admin API of `paasrun start`)");
    return admin::Client::create(url, resolve_token(t));
}

std::optional<json> parse_json(const std::string& body) {
    try {
        return json::parse(body);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return "";
    return it->get<std::string>();
}

// A GET that must answer 200 with JSON; prints the error and returns nullopt otherwise.
std::optional<json> get_json(admin::Client& c, std::string_view command, const std::string& path,
                             int& exit_code) {
    auto r = c.get(path);
    if (!r) {
        exit_code = fail(command, r.error().message, kExitApi);
        return std::nullopt;
    }
    if (r->status != 200) {
        exit_code = fail(command, r->describe(), kExitApi);
        return std::nullopt;
    }
    auto j = parse_json(r->body);
    if (!j)
        exit_code = fail(command, fmt::format("the answer to GET {} is not JSON", path), kExitApi);
    return j;
}

std::string step_label(const std::string& step) {
    if (step == "receiving") return "Receiving the archive";
    if (step == "building") return "Building";
    if (step == "release_phase") return "Running the release phase";
    if (step == "starting") return "Starting the new web generation";
    if (step == "health_check") return "Health-checking the new release";
    if (step == "switching") return "Switching traffic to the new release";
    if (step == "draining") return "Draining the previous generation";
    if (step == "baking")
        return "Watching the new release during the bake window (it is rolled back if it turns "
               "unhealthy)";
    if (step == "rolling_back")
        return "Rolling back automatically: the new release turned unhealthy in its bake window";
    return step;
}

std::string human_duration(double seconds) {
    auto s = static_cast<long>(seconds);
    if (s < 60) return fmt::format("{}s", s);
    if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::string human_bytes(std::uint64_t b) {
    if (b < 1024) return fmt::format("{} B", b);
    if (b < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(b) / 1024);
    return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1024 * 1024));
}

// After a job's outcome is final: waits until /readyz answers 200 (the current release has a
// ready web worker and paasrun is not draining).
int wait_ready(admin::Client& c, std::string_view command, const std::string& release,
               Clock::time_point deadline) {
    int failures = 0;
    while (Clock::now() < deadline) {
        auto ready = c.get("/readyz");
        if (!ready) {
            if (++failures > kMaxTransportRetries)
                return fail(command, ready.error().message, kExitApi);
        } else if (ready->status == 200) {
            auto j = parse_json(ready->body);
            auto current = j ? str(*j, "release") : "";
            if (!current.empty() && current != release)
                say(fmt::format(
                    "-----> {} is ready; the current release is {} (a later job replaced {})",
                    current, current, release));
            else
                say(fmt::format("-----> {} is live and ready", release));
            return kExitOk;
        } else {
            failures = 0;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
    return fail(
        command,
        fmt::format("{} succeeded but /readyz did not answer 200 before the timeout", release),
        kExitTimeout);
}

// Polls a job, printing its output lines (each once: `since` is the number already printed)
// and its steps as they come, until its outcome is known:
// - without `healthy`: when it leaves `running` (succeeded 0, failed 1, rolled_back 3);
// - with `healthy` (deploy --wait-healthy): a job that switched stays `succeeded` with step
//   `baking` while the bake window runs and may still turn `rolled_back` (step
//   `rolling_back` while the automatic rollback runs), so the wait goes on until the step is
//   `done`; then /readyz must answer 200 (wait_ready).
int follow_job(admin::Client& c, std::string_view command, const std::string& id,
               Clock::time_point deadline, bool healthy) {
    std::size_t seen = 0;
    std::string step;
    bool success_told = false;
    int failures = 0;
    auto started = Clock::now();
    for (;;) {
        auto r = c.get(fmt::format("/v1/jobs/{}?since={}", id, seen));
        if (!r) {
            // The admin API lives in the supervisor, which outlives deploys; a blip is retried.
            if (++failures > kMaxTransportRetries)
                return fail(command, r.error().message, kExitApi);
            std::this_thread::sleep_for(kPollInterval);
            continue;
        }
        failures = 0;
        if (r->status != 200) return fail(command, r->describe(), kExitApi);
        auto j = parse_json(r->body);
        if (!j) return fail(command, "the job answer is not JSON", kExitApi);
        // Output first: lines that arrived since the last poll mostly belong to the step
        // that was running then. Only lines from `seen` on come back, so none repeats.
        for (const auto& line : j->value("output", json::array()))
            if (line.is_string()) say(line.get<std::string>());
        seen = std::max(seen, j->value("output_total", seen));
        auto state = str(*j, "state");
        auto new_step = str(*j, "step");
        auto release = str(*j, "release");

        if (state == "failed") {
            fmt::print(stderr, "paasrun {}: failed: {}\n", command, str(*j, "message"));
            auto prev = str(*j, "previous_release");
            if (!prev.empty())
                fmt::print(stderr, "paasrun {}: {} is still the current release\n", command, prev);
            return kExitFailed;
        }
        if (state == "rolled_back") {
            fmt::print(stderr, "paasrun {}: rolled back to {}: {}\n", command,
                       str(*j, "previous_release"), str(*j, "message"));
            return kExitRolledBack;
        }
        if (state == "succeeded" && !success_told) {
            success_told = true;
            auto elapsed = std::chrono::duration<double>(Clock::now() - started).count();
            say(fmt::format("-----> Job {} succeeded{} in {:.1f}s", id,
                            release.empty() ? "" : ": " + release + " is current", elapsed));
            if (!healthy) return kExitOk;
        }
        // Steps of a running job, and the bake window (and automatic rollback) of a succeeded
        // one. A finished job's last step ("done") is not announced.
        if (new_step != step && !new_step.empty() && new_step != "done" &&
            (state == "running" || new_step == "baking" || new_step == "rolling_back"))
            say(fmt::format("=====> {}", step_label(new_step)));
        step = new_step;

        if (state == "succeeded" && step == "done") {
            if (release.empty()) return kExitOk;  // nothing was switched (scaling)
            return wait_ready(c, command, release, deadline);
        }
        if (Clock::now() >= deadline) {
            auto what =
                state == "running"
                    ? fmt::format(
                          "job {} still running (step {}) at the timeout; it goes on on the server",
                          id, step)
                    : fmt::format(
                          "job {} still in its bake window at the timeout (it may still roll back)",
                          id);
            return fail(command, what, kExitTimeout);
        }
        std::this_thread::sleep_for(kPollInterval);
    }
}

Clock::time_point deadline_after(double seconds) {
    return Clock::now() + std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

// A job-starting request: 202 -> follow the job; anything else is the API's refusal.
int start_and_follow(std::string_view command, const Target& t, const std::string& method,
                     const std::string& path, const json& body, double timeout_seconds) {
    auto c = connect(t);
    if (!c) return fail(command, c.error().message, kExitApi);
    auto r = (*c)->send_json(method, path, body.dump());
    if (!r) return fail(command, r.error().message, kExitApi);
    if (r->status != 202) return fail(command, r->describe(), kExitApi);
    auto j = parse_json(r->body);
    if (!j) return fail(command, "the answer is not JSON", kExitApi);
    say(fmt::format("-----> Job {} started ({})", str(*j, "id"), str(*j, "kind")));
    return follow_job(**c, command, str(*j, "id"), deadline_after(timeout_seconds), false);
}

}  // namespace

void add_options(CLI::App* sub, Target& t) {
    sub->add_option(
        "--to", t.url,
        "Talk to a running instance's admin API (http://HOST:PORT or unix:/path; env PAASRUN_URL)");
    sub->add_option("--token", t.token,
                    "Admin API token (env PAASRUN_ADMIN_TOKEN; default ./.paasrun/admin-token)");
}

Route route(Target& t, const fs::path& app_dir) {
    std::error_code ec;
    auto state_dir = release::resolve_state_dir(fs::absolute(app_dir, ec));
    if (!t.url.empty() || env("PAASRUN_URL") != nullptr) {
        if (t.token_file.empty())
            t.token_file = (state_dir / "admin-token").string();  // -a DIR's token
        return Route::named;
    }
    auto found = admin::find_live_instance(state_dir);
    if (!found) return Route::local;
    t.url = found->url;
    t.token_file = (state_dir / "admin-token").string();
    fmt::print(stderr, "paasrun: using the running instance of this app (pid {}, {})\n", found->pid,
               found->url);
    return Route::discovered;
}

int releases(const Target& t) {
    auto c = connect(t);
    if (!c) return fail("releases", c.error().message, kExitApi);
    int code = 0;
    auto j = get_json(**c, "releases", "/v1/releases", code);
    if (!j) return code;
    const auto& list = (*j)["releases"];
    if (list.empty()) {
        say("no releases yet (deploy with `paasrun deploy --to URL DIR`)");
        return 0;
    }
    say(fmt::format("{:<8} {:<21} {:<13} {:<10} {}", "VERSION", "CREATED", "SOURCE", "STATUS",
                    "DESCRIPTION"));
    for (const auto& r : list) {
        std::string desc = str(r, "description");
        if (auto why = str(r, "failure_reason"); !why.empty()) desc += fmt::format(" ({})", why);
        say(fmt::format("{:<8} {:<21} {:<13} {:<10} {}", str(r, "version"), str(r, "created_at"),
                        str(r, "source_hash").substr(0, 12), str(r, "status"), desc));
    }
    return 0;
}

int rollback(const Target& t, int to, double timeout_seconds) {
    json body = json::object();
    if (to > 0) body["to"] = fmt::format("v{}", to);
    return start_and_follow("rollback", t, "POST", "/v1/rollback", body, timeout_seconds);
}

int config(const Target& t, bool reveal) {
    auto c = connect(t);
    if (!c) return fail("config", c.error().message, kExitApi);
    int code = 0;
    auto j = get_json(**c, "config", reveal ? "/v1/config?reveal=true" : "/v1/config", code);
    if (!j) return code;
    if ((*j)["release"].is_null()) {
        say("no config vars (no release yet)");
        return 0;
    }
    if (!reveal)
        say(fmt::format("=== {} config vars (values hidden; --reveal shows them)",
                        str(*j, "release")));
    for (const auto& [k, v] : (*j)["config"].items())
        say(reveal ? fmt::format("{}={}", k, v.is_string() ? v.get<std::string>() : v.dump()) : k);
    return 0;
}

int config_get(const Target& t, const std::string& key) {
    auto c = connect(t);
    if (!c) return fail("config:get", c.error().message, kExitApi);
    int code = 0;
    auto j = get_json(**c, "config:get", "/v1/config?reveal=true", code);
    if (!j) return code;
    const auto& vars = (*j)["config"];
    auto it = vars.is_object() ? vars.find(key) : vars.end();
    if (it == vars.end() || !it->is_string())
        return fail("config:get",
                    fmt::format("{} is not set ({})", key,
                                (*j)["release"].is_null() ? "no release yet" : str(*j, "release")),
                    kExitFailed);
    say(it->get<std::string>());
    return 0;
}

void print_release_info(const json& r) {
    auto field = [](std::string_view label, const std::string& value) {
        say(fmt::format("{:<17}{}", fmt::format("{}:", label), value.empty() ? "-" : value));
    };
    auto names = [](const json& obj) {
        std::string out;
        if (obj.is_object())
            for (const auto& [k, v] : obj.items()) out += (out.empty() ? "" : ", ") + k;
        return out;
    };
    say(fmt::format("=== Release {}{}", str(r, "version"),
                    r.value("current", false) ? " (current)" : ""));
    field("Version", str(r, "version"));
    field("Created", str(r, "created_at"));
    // A redeploy is a rollback to the release that was current (kind `rollback` in the API).
    auto flag = r.find("redeploy");
    bool redeploy = flag != r.end() && flag->is_boolean() && flag->get<bool>();
    field("Kind", redeploy ? "redeploy" : str(r, "kind"));
    field("Description", str(r, "description"));
    field("Status", str(r, "status"));
    if (auto why = str(r, "failure_reason"); !why.empty()) field("Failure", why);
    if (auto of = str(r, "rollback_of"); !of.empty())
        field(redeploy ? "Redeploy of" : "Rollback of", of);
    field("Source hash", str(r, "source_hash"));
    field("Slug", str(r, "slug_id"));
    field("Process types", names(r.value("process_types", json::object())));
    field("Release command", str(r, "release_command"));
    field("Config vars", names(r.value("config", json::object())));
}

int release_info(const Target& t, int version) {
    constexpr std::string_view cmd = "releases:info";
    auto c = connect(t);
    if (!c) return fail(cmd, c.error().message, kExitApi);
    int code = 0;
    if (version > 0) {
        auto j = get_json(**c, cmd, fmt::format("/v1/releases/v{}", version), code);
        if (!j) return code;
        print_release_info(*j);
        return 0;
    }
    auto list = get_json(**c, cmd, "/v1/releases", code);
    if (!list) return code;
    for (const auto& r : (*list)["releases"])
        if (r.value("current", false)) {
            print_release_info(r);
            return 0;
        }
    return fail(cmd, "no current release yet", kExitFailed);
}

int config_set(const Target& t, const std::vector<std::pair<std::string, std::string>>& vars,
               double timeout_seconds) {
    json body = json::object();
    for (const auto& [k, v] : vars) body[k] = v;
    return start_and_follow("config:set", t, "PATCH", "/v1/config", body, timeout_seconds);
}

int config_unset(const Target& t, const std::vector<std::string>& keys, double timeout_seconds) {
    json body = json::object();
    for (const auto& k : keys) body[k] = nullptr;
    return start_and_follow("config:unset", t, "PATCH", "/v1/config", body, timeout_seconds);
}

Result<std::unique_ptr<admin::Client>> open_client(const Target& t) {
    return connect(t);
}

namespace {

int run_ps(Target t, const std::string& app) {
    (void)route(t, app);
    auto c = connect(t);
    if (!c) return fail("ps", c.error().message, kExitApi);
    int code = 0;
    auto j = get_json(**c, "ps", "/v1/status", code);
    if (!j) return code;
    std::string release = (*j)["release"].is_null() ? "no release" : str(*j, "release");
    std::string state = (*j).value("draining", false) ? "draining"
                        : (*j).value("ready", false)  ? "ready"
                                                      : "not ready";
    std::string job = (*j)["running_job"].is_null()
                          ? ""
                          : fmt::format(", job {} running", str(*j, "running_job"));
    say(fmt::format("=== {}: {}, {}{}", str(*j, "app"), release, state, job));
    // During a switch a name appears once per generation: RELEASE and PHASE tell them apart.
    say(fmt::format("{:<14} {:<8} {:<9} {:>8} {:<9} {:>8} {:>8}  {}", "PROCESS", "RELEASE", "PHASE",
                    "PID", "STATE", "UPTIME", "RESTARTS", "LAST EXIT"));
    for (const auto& p : (*j)["processes"]) {
        auto rel = p.value("release", json()).is_string() ? str(p, "release") : "-";
        auto phase = str(p, "phase");
        say(fmt::format("{:<14} {:<8} {:<9} {:>8} {:<9} {:>8} {:>8}  {}", str(p, "name"), rel,
                        phase.empty() ? "-" : phase, p["pid"].is_null() ? "-" : p["pid"].dump(),
                        str(p, "state"),
                        p["pid"].is_null() ? "-" : human_duration(p.value("uptime_seconds", 0.0)),
                        p.value("restarts", 0), str(p, "last_exit")));
    }
    const auto& workers = (*j)["web_workers"];
    if (!workers.empty()) {
        say("");
        say(fmt::format("{:<14} {:>8} {:<8} {:>10} {:>9} {:>10}  {}", "WEB WORKER", "PID",
                        "RELEASE", "REQUESTS", "IN FLIGHT", "RSS", "READY"));
        for (const auto& w : workers)
            say(fmt::format("{:<14} {:>8} {:<8} {:>10} {:>9} {:>10}  {}", str(w, "process"),
                            w.value("pid", 0), w["release"].is_null() ? "-" : str(w, "release"),
                            w.value("requests", std::uint64_t{0}), w.value("in_flight", 0),
                            human_bytes(w.value("rss_bytes", std::uint64_t{0})),
                            w.value("ready", false) ? "yes" : "no"));
    }
    return 0;
}

// `paasrun ps:scale web=3 worker=0`: one formation job (Heroku's ps:scale).
int run_scale(Target t, const std::string& app, const std::vector<std::string>& pairs,
              double timeout_seconds) {
    constexpr std::string_view cmd = "ps:scale";
    json body = json::object();
    for (const auto& p : pairs) {
        auto eq = p.find('=');
        int n = -1;
        if (eq != std::string::npos && eq > 0) {
            if (!parse_int(std::string_view(p).substr(eq + 1), n)) n = -1;
        }
        if (n < 0)
            return fail(cmd, fmt::format("\"{}\" is not TYPE=COUNT (e.g. web=2)", p), kExitUsage);
        body[p.substr(0, eq)] = n;
    }
    if (route(t, app) == Route::local)
        return fail(
            cmd,
            "no running instance of the app in this directory and no admin URL: scaling changes "
            "running "
            "processes (start them with `paasrun up`, or pass --to URL); set `formation:` in "
            "paasrun.yaml for the next start",
            kExitUsage);
    return start_and_follow(cmd, t, "PUT", "/v1/formation", body, timeout_seconds);
}

// `paasrun restart [TYPE]` / `ps:restart [TYPE]`: a rolling restart of one type, or of every
// running type in turn (one job at a time: the API runs one job at once). Heroku's
// `ps:restart web.2` (one process) has no admin API counterpart: restarts are per type (a web
// restart is a new generation, then a drain), so a process name is refused, naming the type
// and its processes.
int run_restart(Target t, std::string_view cmd, const std::string& app, const std::string& type,
                double timeout_seconds) {
    if (route(t, app) == Route::local)
        return fail(
            cmd,
            "no running instance of the app in this directory and no admin URL: start it with "
            "`paasrun up`, or pass --to URL",
            kExitUsage);
    std::vector<std::string> types;
    if (auto dot = type.find('.'); dot != std::string::npos) {
        auto ty = type.substr(0, dot);
        std::string names;
        if (auto c = connect(t)) {
            int code = 0;
            if (auto j = get_json(**c, cmd, "/v1/status", code))
                for (const auto& p : (*j)["processes"])
                    if (str(p, "type") == ty) names += (names.empty() ? "" : ", ") + str(p, "name");
        }
        return fail(
            cmd,
            fmt::format(
                "restarting one process ({}) is not supported: the admin API restarts every "
                "process "
                "of a type, one after the other; `paasrun {} {}` restarts {}",
                type, cmd, ty,
                names.empty() ? fmt::format("the {} processes (none is running)", ty) : names),
            kExitUsage);
    }
    if (!type.empty()) {
        types.push_back(type);
    } else {
        auto c = connect(t);
        if (!c) return fail(cmd, c.error().message, kExitApi);
        int code = 0;
        auto j = get_json(**c, cmd, "/v1/status", code);
        if (!j) return code;
        for (const auto& [name, count] : (*j)["formation"].items())
            if (count.is_number_integer() && count.get<int>() > 0) types.push_back(name);
        if (types.empty()) {
            say("nothing is running: every process type is scaled to 0");
            return 0;
        }
    }
    for (const auto& ty : types) {
        say(fmt::format("-----> Restarting {}", ty));
        if (int code = start_and_follow(cmd, t, "POST", fmt::format("/v1/processes/{}/restart", ty),
                                        json::object(), timeout_seconds);
            code != kExitOk)
            return code;
    }
    return 0;
}

struct LogsArgs {
    Target target;
    std::string app = ".";
    int num = 100;
    bool follow = false;
    admin::LogFilter filter;
};

// Prints one hub line the way `heroku logs` does, if it passes the filter.
bool print_log_line(std::string_view line, const admin::LogFilter& filter) {
    auto rec = admin::parse_log_record(line);
    if (!admin::log_matches(rec, filter)) return false;
    say(rec ? admin::heroku_log_line(*rec) : std::string(line));
    return true;
}

int run_logs(LogsArgs a) {
    constexpr std::string_view cmd = "logs";
    (void)route(a.target, a.app);
    auto c = connect(a.target);
    if (!c) return fail(cmd, c.error().message, kExitApi);
    bool filtered = !a.filter.ps.empty() || !a.filter.source.empty();
    // The API filters nothing: with --ps/--source the whole buffer is fetched and the last N
    // matching lines are kept.
    std::string last_fetched;  // the newest line of the backlog: following starts after it
    if (!a.follow || filtered) {
        int code = 0;
        auto j = get_json(**c, cmd,
                          fmt::format("/v1/logs?tail={}", filtered ? kMaxLogFetch : a.num), code);
        if (!j) return code;
        std::vector<std::string> kept;
        for (const auto& l : (*j)["lines"]) {
            last_fetched = l.is_string() ? l.get<std::string>() : l.dump();
            if (admin::log_matches(admin::parse_log_record(last_fetched), a.filter))
                kept.push_back(last_fetched);
        }
        auto first =
            kept.size() > static_cast<std::size_t>(a.num) ? kept.end() - a.num : kept.begin();
        for (auto it = first; it != kept.end(); ++it) print_log_line(*it, a.filter);
        if (!a.follow) return 0;
    }
    // Following: the server sends `tail` backlog lines, then new ones, as one text stream.
    // Unfiltered, the backlog is the last N lines. Filtered, the backlog was printed above:
    // the stream's own backlog is skipped up to the newest line already seen (by its
    // timestamp, and the line itself), so nothing is printed twice and nothing is lost.
    auto after = last_fetched.empty() ? std::nullopt : admin::parse_log_record(last_fetched);
    bool skipping = filtered && after.has_value();
    process::LineSplitter lines;  // the stream arrives in arbitrary chunks
    auto on_line = [&](std::string_view line) {
        if (skipping) {
            auto rec = admin::parse_log_record(line);
            if (line == last_fetched) {
                skipping = false;
                return;
            }
            if (!rec || rec->time <= after->time) return;
            skipping = false;
        }
        print_log_line(line, a.filter);
    };
    auto path = fmt::format("/v1/logs?follow=true&tail={}", filtered ? kMaxLogFetch : a.num);
    auto r = (*c)->stream(path, [&](std::string_view data) {
        lines.feed(data, on_line);
        return true;
    });
    if (!r) return fail(cmd, r.error().message, kExitApi);
    if (r->status != 200) return fail(cmd, r->describe(), kExitApi);
    return 0;
}

std::string archive_content_type(const fs::path& p) {
    auto name = p.filename().string();
    if (name.ends_with(".tar")) return "application/x-tar";
    return "application/gzip";
}

struct TempFile {
    std::string path;
    ~TempFile() {
        if (!path.empty()) ::unlink(path.c_str());
    }
};

struct DeployArgs {
    Target target;
    std::string source;
    std::string app;  // -a: the app whose instance is meant; default SOURCE (a dir) or .
    bool wait_healthy = false;
    double timeout = 900;
};

int run_deploy(DeployArgs a) {
    constexpr std::string_view cmd = "deploy";
    auto deadline = deadline_after(a.timeout);
    std::error_code ec;
    fs::path source = fs::absolute(a.source, ec);
    if (!fs::exists(source, ec))
        return fail(cmd, fmt::format("{} does not exist", a.source), kExitUsage);
    // Without --to: the running instance of the app being deployed (DIR), or of the app in
    // the current directory (TARBALL).
    fs::path app = !a.app.empty()                 ? fs::path(a.app)
                   : fs::is_directory(source, ec) ? source
                                                  : fs::path(".");
    if (route(a.target, app) == Route::local)
        return fail(cmd,
                    "no running instance of this app and no admin URL: start it with `paasrun up`, "
                    "or pass --to URL "
                    "/ set PAASRUN_URL (to build locally, use `paasrun build`)",
                    kExitUsage);

    TempFile packed;
    fs::path upload = source;
    if (fs::is_directory(source, ec)) {
        const char* tmpdir = env("TMPDIR");
        packed.path = fmt::format("{}/paasrun-deploy-XXXXXX.tar.gz", tmpdir ? tmpdir : "/tmp");
        int fd = ::mkstemps(packed.path.data(), 7);
        if (fd < 0) {
            auto e = sys_error("create a temp file in {}", tmpdir ? tmpdir : "/tmp");
            packed.path.clear();
            return fail(cmd, e.message, kExitFailed);
        }
        ::close(fd);
        // The source as `git push` would send it: no .env, VCS data, venv, state or data dir,
        // nothing .gitignore names (build/source_tree.hpp). The server applies .slugignore.
        auto root = fs::absolute(source).lexically_normal();
        if (!root.has_filename()) root = root.parent_path();
        auto manifest = config::load_manifest(root.string());
        if (!manifest) return fail(cmd, manifest.error().describe(), kExitFailed);
        auto state_dir = config::state_dir_for(root);
        auto data_dir =
            config::resolve_data_dir(*manifest, root, state_dir, config::current_environment());
        auto entries = build::list_source(root, {state_dir, data_dir}, build::SourceUse::upload);
        if (!entries) return fail(cmd, entries.error().describe(), kExitFailed);
        std::vector<std::string> members;
        for (const auto& e : *entries) members.push_back(e.rel.string());
        say(
            fmt::format("-----> Packing {} ({} entries; leaving out .env, .git, .venv, .paasrun, "
                        "__pycache__, the data "
                        "dir and what .gitignore names)",
                        source.string(), members.size()));
        if (auto s = admin::pack_source_dir(root, packed.path, members); !s)
            return fail(cmd, s.error().describe(), kExitFailed);
        upload = packed.path;
    }

    auto c = connect(a.target);
    if (!c) return fail(cmd, c.error().message, kExitApi);
    say(fmt::format("-----> Uploading {} to {}", human_bytes(fs::file_size(upload, ec)),
                    (*c)->url()));
    auto r = (*c)->upload("/v1/releases", upload, archive_content_type(upload));
    if (!r) return fail(cmd, r.error().message, kExitApi);
    if (r->status != 202) return fail(cmd, r->describe(), kExitApi);
    auto j = parse_json(r->body);
    if (!j) return fail(cmd, "the answer is not JSON", kExitApi);
    auto id = str(*j, "id");
    say(fmt::format("-----> Deploy job {} started", id));
    return follow_job(**c, cmd, id, deadline, a.wait_healthy);
}

}  // namespace

}  // namespace remote

void register_remote(CLI::App& app, Commands& cmds) {
    struct PsArgs {
        remote::Target target;
        std::string app = ".";
    };
    auto ps_args = std::make_shared<PsArgs>();
    auto* ps =
        app.add_subcommand("ps", "Show a running instance's processes and web workers (admin API)");
    add_app_option(ps, ps_args->app);
    remote::add_options(ps, ps_args->target);

    struct ScaleArgs {
        remote::Target target;
        std::string app = ".";
        std::vector<std::string> pairs;
        double timeout = 300;
    };
    auto scale_args = std::make_shared<ScaleArgs>();
    auto* scale = ps->add_subcommand(
        "scale", "ps:scale TYPE=N ...: change a running instance's process counts");
    scale->add_option("pairs", scale_args->pairs, "TYPE=COUNT ... (e.g. web=3 worker=0)")
        ->required();
    add_app_option(scale, scale_args->app);
    remote::add_options(scale, scale_args->target);
    scale->add_option("--timeout", scale_args->timeout, "Seconds to follow the job (default 300)")
        ->check(CLI::PositiveNumber);
    // Before `ps`: Commands::selected() takes the first parsed entry, and `ps` is parsed too.
    cmds.add(scale, [scale_args] {
        return remote::run_scale(scale_args->target, scale_args->app, scale_args->pairs,
                                 scale_args->timeout);
    });

    struct RestartArgs {
        remote::Target target;
        std::string app = ".";
        std::string type;
        double timeout = 300;
    };
    // `restart` and `ps:restart` are the same command (Heroku has both names).
    auto add_restart = [&cmds](CLI::App* parent, const std::string& name,
                               const std::string& shown) {
        auto a = std::make_shared<RestartArgs>();
        auto* sub = parent->add_subcommand(name,
                                           "Rolling restart of a running instance's TYPE "
                                           "processes, or of every type (like heroku ps:restart)");
        sub->add_option("type", a->type,
                        "Process type (default: all); a process name (web.2) is refused: restarts "
                        "are per type");
        add_app_option(sub, a->app);
        remote::add_options(sub, a->target);
        sub->add_option("--timeout", a->timeout, "Seconds to follow each job (default 300)")
            ->check(CLI::PositiveNumber);
        cmds.add(sub, [a, shown] {
            return remote::run_restart(a->target, shown, a->app, a->type, a->timeout);
        });
    };
    add_restart(ps, "restart", "ps:restart");
    cmds.add(ps, [ps_args] { return remote::run_ps(ps_args->target, ps_args->app); });
    add_restart(&app, "restart", "restart");

    auto logs_args = std::make_shared<remote::LogsArgs>();
    auto* logs = app.add_subcommand("logs",
                                    "Print a running instance's log like heroku logs (ISO 8601 "
                                    "times, app[web.1]); -t keeps following it");
    add_app_option(logs, logs_args->app);
    remote::add_options(logs, logs_args->target);
    logs->add_option("-n,--num", logs_args->num, "Lines to print (default 100, at most 10000)")
        ->check(CLI::Range(0, 10000));
    logs->add_flag("-t,--tail,-f,--follow", logs_args->follow,
                   "Keep printing new lines until interrupted");
    logs->add_option("-p,--ps", logs_args->filter.ps,
                     "Only this process type (web) or process (web.1)");
    logs->add_option("-s,--source", logs_args->filter.source,
                     "Only app (the processes) or system (paasrun's own) lines")
        ->check(CLI::IsMember({"app", "system"}));
    cmds.add(logs, [logs_args] { return remote::run_logs(*logs_args); });

    auto deploy_args = std::make_shared<remote::DeployArgs>();
    auto* deploy = app.add_subcommand("deploy",
                                      "Deploy DIR (packed as .tar.gz) or a TARBALL to a running "
                                      "instance (admin API) and follow the job");
    deploy->footer(
        "Exit codes: 0 deployed (with --wait-healthy: baked and ready); 1 failed (the current "
        "release is unchanged);\n"
        "2 usage; 3 rolled back; 4 timed out (the job goes on); 5 refused by the API or "
        "unreachable");
    remote::add_options(deploy, deploy_args->target);
    deploy->add_option("source", deploy_args->source, "App directory or .tar.gz/.tgz/.tar archive")
        ->required();
    deploy->add_option(
        "-a,--app", deploy_args->app,
        "The app whose running instance gets the deploy (default: SOURCE if a directory, else .)");
    deploy->add_flag("--wait-healthy", deploy_args->wait_healthy,
                     "Wait through the bake window (exit 3 if the release is rolled back), then "
                     "until /readyz is 200");
    deploy
        ->add_option("--timeout", deploy_args->timeout,
                     "Seconds to wait for the whole deploy (default 900)")
        ->check(CLI::PositiveNumber);
    cmds.add(deploy, [deploy_args] { return remote::run_deploy(*deploy_args); });
}

}  // namespace paasrun::app
