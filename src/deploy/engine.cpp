#include "deploy/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <system_error>

#include "build/builder.hpp"
#include "deploy/archive.hpp"
#include "deploy/bake_state.hpp"
#include "deploy/build_settings.hpp"
#include "deploy/health_probe.hpp"
#include "deploy/slug_import.hpp"
#include "deploy/stats_view.hpp"
#include "release/publish.hpp"
#include "serve/stats.hpp"
#include "supervisor/web_socket.hpp"
#include "util/durable_fs.hpp"
#include "util/log_fields.hpp"

namespace paasrun::deploy {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using admin::ControlError;
using admin::ErrorKind;
using admin::JobState;
using supervisor::ProcessPhase;
using supervisor::ProcessState;
using supervisor::ProcessStatus;
using supervisor::RunSpec;
using supervisor::Supervisor;

namespace {

// A web command that does not report READY=1 (gunicorn, ...) counts as ready once it has
// stayed up this long (and passed the health check, when one is configured).
constexpr auto kSettle = 2s;
constexpr auto kPoll = 100ms;
constexpr auto kLoopDeadline = 5s;  // a supervisor loop that does not answer in 5 s is stuck

using Seconds = std::chrono::duration<double>;

template <typename D>
auto to_clock(D d) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

}  // namespace

struct Engine::Bake {
    std::string job;
    int version = 0;
    int previous = 0;
    int generation = 0;
    int health_port = 0;
    Clock::time_point until;
    Clock::time_point next_probe;
    int health_failures = 0;
    config::HealthCheck health;  // the baking release's own (release_settings.hpp)
    config::DeploySettings deploy;
};

Engine::Engine(Supervisor& sup, LogHub& logs, EngineOptions options)
    : sup_(sup), logs_(logs), opts_(std::move(options)) {
    // Read before the thread (and so before any job) starts: a job's own record is never
    // mistaken for an interrupted one.
    interrupted_bake_ = read_bake_record(opts_.state_dir);
    // The switch waits on these instead of polling (switch_events.hpp); the supervisor's loop
    // is not running yet, so the observer is set before it can be called.
    sup_.set_process_observer([this](const supervisor::ProcessEvent& p) {
        SwitchEvent e;
        switch (p.kind) {
            case supervisor::ProcessEvent::Kind::started:
                e.kind = SwitchEvent::Kind::started;
                break;
            case supervisor::ProcessEvent::Kind::ready:
                e.kind = SwitchEvent::Kind::ready;
                break;
            case supervisor::ProcessEvent::Kind::exited:
                e.kind = SwitchEvent::Kind::exited;
                break;
            case supervisor::ProcessEvent::Kind::gone:
                e.kind = SwitchEvent::Kind::gone;
                break;
        }
        e.at = p.at;
        e.generation = p.generation;
        e.name = p.name;
        e.detail = p.last_exit;
        e.status = p.status;
        events_.push(std::move(e));
    });
    thread_ = std::thread([this] { thread_main(); });
}

Engine::~Engine() {
    stop();
}

void Engine::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    events_.close();
    if (thread_.joinable()) thread_.join();
    // stop() runs once the supervisor's loop has returned (or before it ran): nothing calls
    // the observer concurrently, and nothing may call it once this engine is gone.
    sup_.set_process_observer({});
}

template <typename F>
auto Engine::on_loop(F&& fn) -> Result<std::invoke_result_t<F&, Supervisor&>> {
    auto fut = sup_.submit(std::forward<F>(fn));
    auto deadline = Clock::now() + kLoopDeadline;
    while (fut.wait_for(50ms) != std::future_status::ready) {
        if (stopping()) return Error("paasrun is stopping");
        if (Clock::now() > deadline) return Error("the supervisor loop did not answer within 5s");
    }
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<F&, Supervisor&>>) {
            fut.get();
            return {};
        } else {
            return fut.get();
        }
    } catch (const std::future_error&) {
        return Error("the supervisor has stopped");
    }
}

void Engine::log(log::Level level, const std::string& text) {
    // Output writes whole lines with one write(2); the loop thread is not needed for that,
    // but the tap (LogHub) is thread-safe too.
    sup_.output().system(level, text, "deploy");
}

void Engine::say(const std::string& job, const std::string& line) {
    jobs_.add_output(job, line);
    if (log::format() != log::Format::json) {
        sup_.output().named_line("deploy", line);
        return;
    }
    // One JSON object with the message and its step (deploy/build_log_json.hpp), as the
    // build before the formation starts; Output adds "proc":"deploy" in front.
    std::lock_guard lock(say_mu_);
    sup_.output().named_line("deploy", say_json_.convert(log::utc_now(), line));
}

void Engine::step(const std::string& job, const std::string& name) {
    jobs_.update(job, [&](admin::Job& j) { j.step = name; });
    log(log::Level::info, fmt::format("job step job={} step={}", job, name));
}

// ---------------------------------------------------------------------------------------
// The engine thread

admin::ControlResult<std::string> Engine::submit(const std::string& kind,
                                                 std::function<void(const std::string&)> body) {
    if (stopping()) return ControlError{ErrorKind::conflict, "paasrun is stopping"};
    std::lock_guard lock(mu_);
    if (pending_) return ControlError{ErrorKind::conflict, "another job is about to start"};
    auto id = jobs_.begin(kind);
    if (auto* err = std::get_if<ControlError>(&id)) return *err;
    std::string job = std::get<std::string>(id);
    pending_ = [job, body = std::move(body)] { body(job); };
    cv_.notify_all();
    log(log::Level::info, fmt::format("job queued job={} kind={}", job, kind));
    return job;
}

void Engine::thread_main() {
    while (true) {
        std::function<void()> task;
        {
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, 200ms, [&] { return stopping_.load() || pending_; });
            if (stopping_) return;
            task = std::exchange(pending_, nullptr);
        }
        if (task) {
            // Builds and release phases wait for children of their own (ChildGuard).
            Supervisor::ChildGuard guard(sup_);
            task();
            continue;
        }
        if (interrupted_bake_) resume_bake();
        bake_tick();
    }
}

// ---------------------------------------------------------------------------------------
// Reads

admin::ControlResult<admin::AppStatus> Engine::status() {
    struct Snap {
        std::vector<ProcessStatus> procs;
        supervisor::Counts formation;
        int release = 0;
        bool draining = false;
        std::string web_command;
    };
    auto snap = on_loop([](Supervisor& s) {
        Snap out;
        out.procs = s.snapshot();
        out.formation = s.formation();
        out.release = s.current_run()->release;
        out.draining = s.draining();
        if (auto* c = s.current_run()->command("web")) out.web_command = *c;
        return out;
    });
    if (!snap) return ControlError{ErrorKind::internal, snap.error().message};
    admin::AppStatus st;
    st.app = opts_.app_name;
    st.current_release = snap->release;
    st.formation = snap->formation;
    st.draining = snap->draining;
    st.running_job = jobs_.running();
    if (auto j = jobs_.latest()) {
        j->output.clear();  // the overview shows its state, not its output
        st.last_job = std::move(*j);
    }
    bool notify = supervisor::reports_ready(snap->web_command);
    bool any_web = false;
    for (const auto& p : snap->procs) {
        if (p.type != "web" || p.phase != ProcessPhase::active) continue;
        any_web = true;
        if (p.state == ProcessState::up &&
            (notify ? p.ready : p.uptime >= Seconds(kSettle).count()))
            st.ready = true;
    }
    if (!any_web && snap->formation["web"] == 0)
        st.ready = std::any_of(snap->procs.begin(), snap->procs.end(),
                               [](const auto& p) { return p.state == ProcessState::up; });
    st.ready = st.ready && !st.draining;
    if (st.ready) started_ = true;
    st.started = started_;
    if (!opts_.stats_dir.empty()) {
        auto files = worker::read_stats_dir(opts_.stats_dir);
        for (const auto& w : files) {
            if (w.retired) continue;
            const supervisor::ProcessStatus* arbiter = nullptr;
            for (const auto& p : snap->procs)
                if (p.pid == w.arbiter_pid) arbiter = &p;
            st.web_workers.push_back(worker_view(w, files, arbiter));
        }
    }
    st.processes = std::move(snap->procs);
    return st;
}

bool Engine::live(std::chrono::milliseconds deadline) {
    auto fut = sup_.submit([](Supervisor&) { return true; });
    if (fut.wait_for(deadline) != std::future_status::ready) return false;
    try {
        return fut.get();
    } catch (const std::future_error&) {
        return false;
    }
}

Result<admin::ReleaseListing> Engine::releases() {
    release::ReleaseStore store(opts_.state_dir);
    auto list = store.list();
    if (!list) return std::move(list).error();
    auto current = store.current_version();
    if (!current) return std::move(current).error();
    return admin::ReleaseListing{std::move(*list), *current, store.history()};
}

admin::ControlResult<admin::Metrics> Engine::metrics() {
    auto restarts = on_loop([](Supervisor& s) {
        std::map<std::string, std::uint64_t> out;
        for (const auto& [type, n] : s.formation()) out[type] = 0;  // counters exist from 0
        for (const auto& [type, n] : s.restart_totals()) out[type] = n;
        return out;
    });
    if (!restarts) return ControlError{ErrorKind::internal, restarts.error().message};
    admin::Metrics m;
    m.process_restarts = std::move(*restarts);
    m.latency_bounds.assign(worker::kLatencyBounds.begin(), worker::kLatencyBounds.end());
    m.latency_buckets.assign(m.latency_bounds.size(), 0);
    static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    for (const auto* c : kClasses) m.requests_by_class[c] = 0;
    for (std::size_t i = 0; i + 1 < worker::endpoint_stats::kBuckets; ++i)
        m.endpoint_latency_bounds.push_back(
            static_cast<double>(worker::endpoint_stats::bucket_upper_ns(i)) / 1e9);
    if (!opts_.stats_dir.empty()) {
        auto files = worker::read_stats_dir(opts_.stats_dir);
        for (const auto& w : files)
            if (!w.retired) m.in_flight += w.in_flight;
        // Counters: each web process's high-water mark, kept after it is gone (a deploy or
        // restart replaced it), so nothing /metrics exports goes backwards.
        std::vector<worker::WorkerStats> counted;
        {
            std::lock_guard lk(totals_mu_);
            counted = totals_.fold(files);
        }
        m.endpoints = endpoint_table(counted);
        worker::websocket_stats::Totals websocket;
        for (const auto& w : counted) websocket.add(w.websocket);  // counters; open is 0
        websocket.open = 0;
        for (const auto& w : files) websocket.open += w.websocket.open;  // the live gauge
        m.websocket = websocket_view(websocket);
        for (const auto& w : counted) {
            for (std::size_t i = 0; i < w.by_class.size(); ++i)
                m.requests_by_class[kClasses[i]] += w.by_class[i];
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < m.latency_bounds.size(); ++i) {
                cumulative += w.latency[i];
                m.latency_buckets[i] += cumulative;
            }
            for (auto n : w.latency) m.latency_count += n;
            m.latency_sum_seconds += w.latency_sum_seconds;
            m.worker_restarts += w.worker_restarts;
        }
    }
    return m;
}

// ---------------------------------------------------------------------------------------
// Job entry points (admin threads): validate what can be validated at once, then queue.

admin::ControlResult<std::string> Engine::deploy(fs::path archive) {
    auto r =
        submit("deploy", [this, archive](const std::string& job) { run_deploy(job, archive); });
    if (std::holds_alternative<ControlError>(r)) {
        std::error_code ec;
        fs::remove(archive, ec);  // ours to delete, whatever happens
    }
    return r;
}

admin::ControlResult<std::string> Engine::rollback(int to) {
    release::ReleaseStore store(opts_.state_dir);
    if (to != 0 && !store.load(to))
        return ControlError{ErrorKind::not_found, fmt::format("there is no release v{}", to)};
    // A rollback to the current release is a redeploy: the job says so from the start (the
    // marker on the dashboard's charts is labelled with the job's kind), and again once the
    // draft is made, in case an automatic rollback changed the current release meanwhile.
    auto cur = store.current_version();
    bool redeploy = to != 0 && cur && *cur == to;
    return submit(redeploy ? "redeploy" : "rollback", [this, to](const std::string& job) {
        run_release_job(
            job,
            [this, to, &job](const release::ReleaseStore& s) {
                auto d = release::draft_rollback(s, to);
                if (d)
                    jobs_.update(job, [&](admin::Job& j) {
                        j.kind = d->redeploy ? "redeploy" : "rollback";
                    });
                return d;
            },
            "rollback");
    });
}

admin::ControlResult<std::string> Engine::set_config(
    std::map<std::string, std::optional<std::string>> changes) {
    std::vector<std::pair<std::string, std::string>> set;
    std::vector<std::string> unset;
    if (changes.empty()) return ControlError{ErrorKind::invalid, "no config vars to change"};
    for (const auto& [k, v] : changes) {
        if (!release::valid_config_key(k))
            return ControlError{
                ErrorKind::invalid,
                fmt::format("\"{}\" is not a valid config var name ([A-Za-z_][A-Za-z0-9_]*)", k)};
        if (v)
            set.emplace_back(k, *v);
        else
            unset.push_back(k);
    }
    return submit("config", [this, set, unset](const std::string& job) {
        run_release_job(
            job,
            [&](const release::ReleaseStore& s) {
                return release::draft_config_change(s, set, unset);
            },
            "config change");
    });
}

admin::ControlResult<std::string> Engine::scale(std::map<std::string, int> counts) {
    auto run = on_loop([](Supervisor& s) { return s.current_run(); });
    if (!run) return ControlError{ErrorKind::internal, run.error().message};
    if (counts.empty()) return ControlError{ErrorKind::invalid, "no process types to scale"};
    for (const auto& [type, n] : counts) {
        if (!(*run)->command(type))
            return ControlError{
                ErrorKind::invalid,
                fmt::format("process type \"{}\" is not declared by the running release", type)};
        if (n < 0 || n > config::max_formation_count)
            return ControlError{ErrorKind::invalid, fmt::format("{}={}: a count is 0..{}", type, n,
                                                                config::max_formation_count)};
    }
    return submit("formation", [this, counts](const std::string& job) { run_scale(job, counts); });
}

admin::ControlResult<std::string> Engine::restart(const std::string& type) {
    auto run = on_loop([](Supervisor& s) { return s.current_run(); });
    if (!run) return ControlError{ErrorKind::internal, run.error().message};
    if (!(*run)->command(type))
        return ControlError{
            ErrorKind::invalid,
            fmt::format("process type \"{}\" is not declared by the running release", type)};
    return submit("restart", [this, type](const std::string& job) { run_restart(job, type); });
}

// ---------------------------------------------------------------------------------------
// Jobs

void Engine::end_bake() {
    bake_.reset();
    interrupted_bake_.reset();
    if (auto s = clear_bake_record(opts_.state_dir); !s)
        log(log::Level::warn, fmt::format("cannot remove the bake record error={}",
                                          log::quote(s.error().describe())));
}

void Engine::run_deploy(const std::string& job, const fs::path& archive) {
    end_bake();  // a new deploy supersedes the previous bake window
    std::error_code ec;
    auto finish_failed = [&](const std::string& why) {
        log(log::Level::error, fmt::format("deploy failed job={} reason={}", job, log::quote(why)));
        jobs_.finish(job, JobState::failed, why);
    };
    release::ReleaseStore store(opts_.state_dir);
    auto lock = store.lock();
    if (!lock) {
        fs::remove(archive, ec);
        return finish_failed(lock.error().message);
    }
    (void)store.clean_leftovers();
    (void)store.init();
    auto work = store.tmp_dir() / fmt::format("deploy-{}-{}", job, paasrun::random_suffix());
    struct Cleanup {
        fs::path work, archive;
        ~Cleanup() {
            std::error_code e;
            fs::remove_all(work, e);
            fs::remove(archive, e);
        }
    } cleanup{work, archive};
    fs::create_directories(work / "unpacked", ec);
    if (ec) return finish_failed(fmt::format("cannot create {}: {}", work.string(), ec.message()));

    step(job, "receiving");
    auto unpacked = unpack_archive(archive, work / "unpacked");
    if (!unpacked) return finish_failed("the archive was refused: " + unpacked.error().message);
    say(job, fmt::format("-----> Unpacked {} files, {} bytes", unpacked->files, unpacked->bytes));
    fs::remove(archive, ec);

    step(job, "building");
    Result<release::SlugMeta> slug = Error("unset");
    if (is_slug_archive(work / "unpacked")) {
        say(job, "-----> Importing slug archive");
        slug = import_slug(store, work / "unpacked");
    } else {
        // Built with the tree's own paasrun.yaml (build_settings.hpp), checked before anything
        // is built: an invalid one refuses the deploy and creates no release.
        auto src = source_root(work / "unpacked");
        auto shown = (src / "paasrun.yaml").lexically_relative(work / "unpacked").string();
        auto tree = tree_build_options(src, shown, opts_.pipeline.build);
        if (!tree) {
            auto current = store.current_version();
            int serving = current ? *current : 0;
            return finish_failed(
                tree.error().message + "; nothing was built" +
                (serving > 0 ? fmt::format(", v{} is still serving", serving) : ""));
        }
        say(job, tree->own_manifest
                     ? fmt::format("-----> Build settings from the deployed {}", shown)
                     : std::string(
                           "-----> No paasrun.yaml in the deployed tree: default build settings"));
        auto bopts = std::move(tree->options);
        bopts.on_output = [&](std::string_view line) { say(job, std::string(line)); };
        auto built = build::build_slug(store, src, bopts);
        if (built)
            slug = std::move(built->meta);
        else
            slug = std::move(built).error();
    }
    if (!slug) return finish_failed("build failed: " + slug.error().message);

    auto draft = release::draft_build_release(store, *slug);
    if (!draft) return finish_failed(draft.error().message);
    auto v = publish_and_switch(job, store, std::move(*draft));
    if (!v) return finish_failed(v.error().message);
}

void Engine::run_release_job(
    const std::string& job,
    const std::function<Result<release::Release>(const release::ReleaseStore&)>& make,
    const std::string& what, bool automatic) {
    // An automatic rollback keeps the bake record until it has made another release current:
    // a crash before that must find the bad release still marked as being watched.
    if (automatic)
        bake_.reset();
    else
        end_bake();
    release::ReleaseStore store(opts_.state_dir);
    auto lock = store.lock();
    if (!lock) return jobs_.finish(job, JobState::failed, lock.error().message);
    auto draft = make(store);
    if (!draft) return jobs_.finish(job, JobState::failed, draft.error().message);
    auto v = publish_and_switch(job, store, std::move(*draft), !automatic);
    if (!v) {
        log(log::Level::error,
            fmt::format("{} failed job={} reason={}", what, job, log::quote(v.error().message)));
        jobs_.finish(job, JobState::failed, v.error().message);
    }
}

Result<int> Engine::publish_and_switch(const std::string& job, const release::ReleaseStore& store,
                                       release::Release draft, bool bake) {
    int previous = store.current_version() ? *store.current_version() : 0;
    std::string description = draft.description;
    auto v = store.create(std::move(draft));
    if (!v) return std::move(v).error();
    jobs_.update(job, [&](admin::Job& j) {
        j.release = *v;
        j.previous_release = previous;
    });
    say(job, fmt::format("-----> Created v{}: {}", *v, description));
    auto fail = [&](const std::string& why) -> Error {
        (void)store.mark_failed(*v, why);
        return Error(fmt::format("v{} failed: {}; v{} is still serving", *v, why, previous));
    };

    // The release's own paasrun.yaml decides how it is released, checked and baked.
    auto run = release_run_spec(store, *v, opts_.env);
    if (!run) return fail(run.error().message);
    auto settings = settings_for(**run);
    if (!settings) return fail(settings.error().message);

    step(job, "release_phase");
    auto popts = opts_.pipeline.publish;
    // In place exactly when its processes will be (deploy/run_spec.hpp): one database.
    popts.in_place_dir = (*run)->slug_dir.empty() ? std::string{} : (*run)->app_dir;
    popts.release_timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(Seconds(settings->release_timeout));
    popts.manifest_env = settings->env;
    popts.on_output = [&](std::string_view line) {
        say(job, fmt::format("       release | {}", line));
    };
    auto phase = release::run_release_phase(store, *v, popts);
    if (!phase) {
        auto msg = phase.error().message;
        return fail(msg.substr(0, msg.find('\n')));
    }
    if (phase->first)
        say(job, fmt::format("-----> Release phase succeeded in {:.1f}s", phase->second));

    auto gen = switch_to(job, *run, *settings, bake);
    if (!gen) return fail(gen.error().message);

    // The bake window must outlive a crash: recorded before `current` moves (bake_state.hpp).
    if (bake_ && bake_->job == job)
        if (auto s = write_bake_record(opts_.state_dir, {*v, previous}); !s)
            log(log::Level::warn,
                fmt::format("cannot record the bake window; a restart inside it will not resume it "
                            "error={}",
                            log::quote(s.error().describe())));
    if (auto s = store.activate(*v); !s) return fail(s.error().message);
    if (auto pruned = store.prune(opts_.pipeline.publish.keep_releases))
        for (int p : *pruned)
            say(job, fmt::format("-----> Removed old release v{} (keep_releases)", p));
    say(job, fmt::format("-----> v{} is current", *v));
    wait_drained(job);
    jobs_.update(job, [&](admin::Job& j) {
        if (bake_ && bake_->job == job) j.step = "baking";
    });
    if (bake_ && bake_->job == job) {
        bake_->version = *v;
        bake_->previous = previous;
    }
    jobs_.finish(job, JobState::succeeded, "");
    return *v;
}

void Engine::run_scale(const std::string& job, const std::map<std::string, int>& counts) {
    auto run = on_loop([](Supervisor& s) { return s.current_run(); });
    if (!run) return jobs_.finish(job, JobState::failed, run.error().message);
    auto settings = settings_for(**run);
    if (!settings) return jobs_.finish(job, JobState::failed, settings.error().message);
    step(job, "starting");
    // Exits per process before the change: a process of a scaled type that exits after it
    // (a new one crash-looping, typically) fails the job, as a deploy's would.
    auto st = on_loop([counts](Supervisor& s) {
        std::map<std::string, int> exits;
        for (const auto& p : s.snapshot()) exits[p.name] = p.exits;
        auto r = s.scale(counts);
        return std::pair{std::move(exits), std::move(r)};
    });
    if (!st) return jobs_.finish(job, JobState::failed, st.error().message);
    if (!st->second) return jobs_.finish(job, JobState::failed, st->second.error().message);
    const auto& exits_before = st->first;
    // Report only once the capacity is there: every process of a scaled type up and ready
    // (web: READY=1, or up for 2 s for a server that does not report; others: up for 2 s).
    step(job, "health_check");
    const std::string* web = (*run)->command("web");
    bool notify = web && supervisor::reports_ready(*web);
    auto deadline = Clock::now() + to_clock(Seconds(settings->deploy.start_timeout));
    std::string waiting;
    while (true) {
        if (stopping()) return jobs_.finish(job, JobState::failed, "paasrun is stopping");
        auto procs = on_loop([](Supervisor& s) { return s.snapshot(); });
        if (!procs) return jobs_.finish(job, JobState::failed, procs.error().message);
        std::map<std::string, int> ready;
        waiting.clear();
        for (const auto& p : *procs) {
            if (p.phase != ProcessPhase::active || !counts.count(p.type)) continue;
            auto before = exits_before.find(p.name);
            if (p.exits > (before == exits_before.end() ? 0 : before->second))
                return jobs_.finish(
                    job, JobState::failed,
                    fmt::format("{} exited ({}) after scaling{}; it is restarted with backoff, the "
                                "formation stays as asked (scale it down to stop it)",
                                p.name, p.last_exit, exit_hint(p.last_exit)));
            bool up = p.state == ProcessState::up &&
                      (p.type == "web" && notify ? p.ready : p.uptime >= Seconds(kSettle).count());
            if (up)
                ++ready[p.type];
            else if (waiting.empty())
                waiting = p.name;
        }
        bool all = waiting.empty();
        for (const auto& [type, n] : counts)
            if (ready[type] < n) all = false;
        if (all) break;
        if (Clock::now() > deadline)
            return jobs_.finish(job, JobState::failed,
                                fmt::format("{} was not ready within deploy.start_timeout ({}s)",
                                            waiting.empty() ? "a new process" : waiting,
                                            settings->deploy.start_timeout));
        std::this_thread::sleep_for(kPoll);
    }
    say(job, "-----> Every process of the new formation is up and ready");
    jobs_.finish(job, JobState::succeeded, "");
}

void Engine::run_restart(const std::string& job, const std::string& type) {
    auto run = on_loop([](Supervisor& s) { return s.current_run(); });
    if (!run) return jobs_.finish(job, JobState::failed, run.error().message);
    if (type == "web") {
        auto settings = settings_for(**run);
        if (!settings) return jobs_.finish(job, JobState::failed, settings.error().message);
        auto gen = switch_to(job, *run, *settings, false, true);
        if (!gen) return jobs_.finish(job, JobState::failed, gen.error().message);
        wait_drained(job);
        return jobs_.finish(job, JobState::succeeded, "");
    }
    step(job, "starting");
    auto r = on_loop([type, run = *run](Supervisor& s) -> Status {
        auto counts = s.counts_for(*run);
        auto info = s.start_generation(run, {{type, counts[type]}});
        if (!info) return std::move(info).error();
        s.commit_generation(info->id, false);
        return {};
    });
    if (!r || !*r)
        return jobs_.finish(job, JobState::failed, !r ? r.error().message : r->error().message);
    jobs_.finish(job, JobState::succeeded, "");
}

// ---------------------------------------------------------------------------------------
// The switch

Result<ReleaseSettings> Engine::settings_for(const RunSpec& run) const {
    if (run.release == 0) return settings_of(opts_.manifest);
    return release_settings(run.build_dir(), opts_.manifest);
}

namespace {

// The processes retiring now, except those of `generation` (loop thread).
std::vector<GenerationProcess> retiring(const Supervisor& s, int generation) {
    std::vector<GenerationProcess> out;
    for (const auto& p : s.snapshot())
        if (p.phase == ProcessPhase::retiring && p.generation != generation)
            out.emplace_back(p.generation, p.name);
    return out;
}

SwitchEvent tick() {
    SwitchEvent e;
    e.kind = SwitchEvent::Kind::tick;
    e.at = SwitchClock::now();
    return e;
}

// Disarms the event queue when a switch ends early (the drain disarms it otherwise).
struct Disarm {
    SwitchEvents& events;
    bool active = true;
    ~Disarm() {
        if (active) events.disarm();
    }
};

}  // namespace

Status Engine::drive(const std::string& job, SwitchMachine& m, int health_port,
                     const config::HealthCheck& h) {
    std::deque<SwitchEvent> own;  // probe results, fed before the next supervisor event
    auto act = [&](const std::vector<SwitchAction>& actions) {
        for (const auto& a : actions) {
            switch (a.kind) {
                case SwitchAction::Kind::say:
                    say(job, a.text);
                    break;
                case SwitchAction::Kind::step:
                    step(job, a.text);
                    break;
                case SwitchAction::Kind::probe: {
                    auto r = probe_http(health_port, h.path, Seconds(h.timeout));
                    SwitchEvent e = tick();
                    e.kind = SwitchEvent::Kind::health;
                    e.healthy = r.healthy;
                    e.detail = r.detail;
                    own.push_back(std::move(e));
                    break;
                }
                case SwitchAction::Kind::commit:  // the caller's, once drive returns
                case SwitchAction::Kind::abort:
                    break;
            }
        }
    };
    act(m.on(tick()));
    while (m.waiting()) {
        if (stopping()) return Error("paasrun is stopping");
        if (!own.empty()) {
            auto e = std::move(own.front());
            own.pop_front();
            act(m.on(e));
            continue;
        }
        // At most half a second without a look at stopping(); otherwise only events and the
        // machine's own timers (settle, probe interval, deadlines) wake it.
        auto e = events_.wait_until(std::min(m.next_wakeup(), SwitchClock::now() + 500ms));
        act(m.on(e ? *e : tick()));
        if (e) act(m.on(tick()));  // time-based conditions too
    }
    if (m.state() == SwitchState::rolling_back) return Error(m.error());
    return {};
}

void Engine::wait_drained(const std::string& job) {
    step(job, "draining");
    if (switch_) (void)drive(job, *switch_, 0, {});
    switch_.reset();
    events_.disarm();
}

Result<int> Engine::switch_to(const std::string& job, std::shared_ptr<const RunSpec> run,
                              const ReleaseSettings& settings, bool baking, bool web_only) {
    auto deadline = Clock::now() + to_clock(Seconds(settings.deploy.start_timeout));
    switch_.reset();
    events_.arm();  // before any process of the new generation starts: no event is missed
    Disarm disarm{events_};
    auto plan = on_loop([run](Supervisor& s) {
        return std::tuple{s.counts_for(*run), s.shared_web_socket(), s.current_run()};
    });
    if (!plan) return std::move(plan).error();
    auto counts = std::get<0>(*plan);
    bool shared = std::get<1>(*plan);
    auto old_run = std::get<2>(*plan);
    int web = counts.count("web") ? counts["web"] : 0;
    supervisor::Counts others = counts;
    others.erase("web");
    if (web_only) others.clear();
    const std::string* web_command = run->command("web");
    auto machine = [&](const supervisor::GenerationInfo& info, int health_port, bool commit) {
        SwitchSettings m;
        m.generation = info.id;
        m.web = info.names;
        m.reports_ready = web_command && supervisor::reports_ready(*web_command);
        m.settle = to_clock(kSettle);
        m.deadline = deadline;
        m.start_timeout = settings.deploy.start_timeout;
        if (health_port != 0) m.health_path = settings.health.path;
        m.health_attempts = settings.health.attempts;
        m.health_interval = to_clock(Seconds(settings.health.interval));
        m.commit = commit;
        return SwitchMachine(std::move(m));
    };

    step(job, "starting");
    int gen = 0, health_port = 0;
    std::optional<SwitchMachine> m;
    if (web > 0) {
        if (!shared) {
            // Per-process ports (a web command that binds $PORT itself): the old processes
            // must release the port first. This is the one case with downtime (docs/deploys.md).
            say(job,
                "-----> The web command binds its own port: stopping the old web processes first");
            auto list = on_loop([](Supervisor& s) {
                s.retire_type("web");
                return retiring(s, -1);
            });
            if (!list) return std::move(list).error();
            auto drain = SwitchMachine::drain(std::move(*list),
                                              Clock::now() + to_clock(opts_.grace_period) + 5s);
            step(job, "draining");
            (void)drive(job, drain, 0, {});
        } else if (!settings.health.path.empty()) {
            // A canary: one process with one worker on the generation's private socket only,
            // so a release that fails its health check never answers a real request.
            auto canary = std::make_shared<RunSpec>(*run);
            canary->env["WEB_CONCURRENCY"] = "1";
            auto c = on_loop([canary](Supervisor& s) {
                return s.start_generation(canary, {{"web", 1}}, false);
            });
            if (!c) return std::move(c).error();
            if (!*c) return std::move(*c).error();
            int cid = (*c)->id;
            say(job,
                fmt::format("-----> Started a canary of v{} on a private socket (generation {})",
                            run->release, cid));
            auto cm = machine(**c, (*c)->health_port, false);
            auto ok = drive(job, cm, (*c)->health_port, settings.health);
            (void)on_loop([cid](Supervisor& s) { s.abort_generation(cid); });
            if (!ok) return std::move(ok).error();
            step(job, "starting");
        }
        auto info = on_loop([run, web](Supervisor& s) {
            return s.start_generation(run, {{"web", web}});
        });
        if (!info) return std::move(info).error();
        if (!*info) return std::move(*info).error();
        gen = (*info)->id;
        health_port = (*info)->health_port;
        if (!shared) {
            auto port = on_loop([gen](Supervisor& s) {
                auto procs = s.generation(gen);
                return procs.empty() ? 0 : procs.front().port;
            });
            health_port = port ? *port : 0;
        }
        say(job, fmt::format("-----> Started {} web process(es) of v{} (generation {})", web,
                             run->release, gen));
        m = machine(**info, health_port, true);
        auto ready = drive(job, *m, health_port, settings.health);
        if (!ready) {
            (void)on_loop([gen](Supervisor& s) { s.abort_generation(gen); });
            if (!shared) {
                // Bring the old release back on its port.
                (void)on_loop([old_run, web](Supervisor& s) {
                    if (auto i = s.start_generation(old_run, {{"web", web}}))
                        s.commit_generation(i->id, false);
                });
            }
            return std::move(ready).error();
        }
    } else {
        step(job, "switching");
    }

    // The machine said `commit` (or there is no web generation to wait for).
    auto switched = on_loop(
        [gen, run, others, web, web_only](Supervisor& s) -> Result<std::vector<GenerationProcess>> {
            // A web restart retires the old web processes only (same types as the new generation).
            if (web > 0) s.commit_generation(gen, !web_only);
            supervisor::Counts start;
            for (const auto& [type, n] : others)
                if (n > 0) start[type] = n;
            if (start.empty()) {
                if (web == 0) {  // nothing to start, but the old types must still go
                    auto info = s.start_generation(run, {});
                    if (!info) return std::move(info).error();
                    s.commit_generation(info->id, true);
                }
            } else {
                auto info = s.start_generation(run, start);
                if (!info) return std::move(info).error();
                s.commit_generation(info->id, web == 0);
            }
            return retiring(s, gen);
        });
    if (!switched) return std::move(switched).error();
    if (!*switched) return std::move(*switched).error();
    say(job, fmt::format("-----> Switched to v{}; draining the old processes", run->release));
    // The drain belongs to the same switch: wait_drained() runs it, with the events since.
    SwitchEvent committed;
    committed.kind = SwitchEvent::Kind::committed;
    committed.at = SwitchClock::now();
    committed.retiring = std::move(**switched);
    committed.drain_deadline = Clock::now() + to_clock(opts_.grace_period) + 5s;
    if (!m) {  // no web generation: a machine for the drain only
        switch_ = SwitchMachine::drain(std::move(committed.retiring), committed.drain_deadline);
    } else {
        (void)m->on(committed);
        switch_ = std::move(m);
    }
    disarm.active = false;
    if (baking && web > 0 && settings.deploy.bake_window > 0) {
        auto b = std::make_unique<Bake>();
        b->job = job;
        b->generation = gen;
        b->health_port = health_port;
        b->health = settings.health;
        b->deploy = settings.deploy;
        b->until = Clock::now() + to_clock(Seconds(b->deploy.bake_window));
        b->next_probe = Clock::now() + to_clock(Seconds(b->health.interval));
        bake_ = std::move(b);
    }
    return gen;
}

// ---------------------------------------------------------------------------------------
// Bake window and automatic rollback

void Engine::bake_tick() {
    if (!bake_) return;
    auto& b = *bake_;
    auto now = Clock::now();
    if (now >= b.until) {
        log(log::Level::info,
            fmt::format("bake window passed release=v{} job={}", b.version, b.job));
        jobs_.update(b.job, [](admin::Job& j) {
            if (j.step == "baking") j.step = "done";
        });
        end_bake();
        return;
    }
    int generation = b.generation;
    auto procs = on_loop([generation](Supervisor& s) { return s.generation(generation); });
    if (!procs) return;
    int crashes = 0;
    for (const auto& p : *procs)
        if (p.type == "web") crashes += p.exits;
    const auto& d = b.deploy;
    if (crashes >= d.max_crashes)
        return auto_rollback(
            fmt::format("web processes of v{} crashed {} times within the bake window ({}s)",
                        b.version, crashes, d.bake_window));
    const auto& h = b.health;
    if (h.path.empty() || b.health_port == 0 || now < b.next_probe) return;
    b.next_probe = now + to_clock(Seconds(h.interval));
    auto r = probe_http(b.health_port, h.path, Seconds(h.timeout));
    if (r.healthy) return;
    ++b.health_failures;
    log(log::Level::warn,
        fmt::format("health check failed during the bake window release=v{} failures={} detail={}",
                    b.version, b.health_failures, log::quote(r.detail)));
    if (b.health_failures >= d.max_health_failures)
        auto_rollback(
            fmt::format("health check {} of v{} failed {} times within the bake window (last: {})",
                        h.path, b.version, b.health_failures, r.detail));
}

void Engine::resume_bake() {
    if (bake_ || !interrupted_bake_) return interrupted_bake_.reset();
    auto rec = *interrupted_bake_;
    auto run = on_loop([](Supervisor& s) { return s.current_run(); });
    if (!run) return;  // the supervisor loop is not running yet
    auto settings = settings_for(**run);
    if ((*run)->release != rec.version || !settings || settings->deploy.bake_window <= 0)
        return end_bake();  // stale: never activated, or another release is current
    // Watched as a deploy watches it: once its web processes are ready (or start_timeout
    // passed: then crashes count), probes through the shared socket, which only they serve.
    struct Web {
        int count = 0, generation = 0, port = 0;
        bool ready = true;
    };
    const std::string* command = (*run)->command("web");
    bool notify = command && supervisor::reports_ready(*command);
    auto web = on_loop([notify](Supervisor& s) {
        Web w;
        for (const auto& p : s.snapshot()) {
            if (p.type != "web" || p.phase != ProcessPhase::active) continue;
            ++w.count;
            w.generation = p.generation;
            w.port = s.shared_web_socket() ? s.web_port() : p.port;
            if (p.state != ProcessState::up ||
                !(notify ? p.ready : p.uptime >= Seconds(kSettle).count()))
                w.ready = false;
        }
        return w;
    });
    if (!web) return;
    if (web->count == 0) return end_bake();  // scaled to 0 web: nothing to watch
    if (!web->ready && Clock::now() - created_ < to_clock(Seconds(settings->deploy.start_timeout)))
        return;
    interrupted_bake_.reset();
    auto b = std::make_unique<Bake>();
    b->version = rec.version;
    b->previous = rec.previous;
    b->generation = web->generation;
    b->health_port = web->port;
    b->health = settings->health;
    b->deploy = settings->deploy;
    auto now = Clock::now();
    b->until = now + to_clock(Seconds(b->deploy.bake_window));
    b->next_probe = now;
    bake_ = std::move(b);
    log(log::Level::warn,
        fmt::format("resuming the bake window interrupted by a restart release=v{} previous=v{} "
                    "bake_window={}s",
                    rec.version, rec.previous, settings->deploy.bake_window));
}

void Engine::auto_rollback(const std::string& reason) {
    Supervisor::ChildGuard guard(sup_);
    auto b = std::move(bake_);
    if (!b) return;
    log(log::Level::warn, fmt::format("automatic rollback release=v{} to=v{} reason={}", b->version,
                                      b->previous, log::quote(reason)));
    // The job that switched to the bad release turns `rolled_back` only once the rollback's
    // outcome is known (the rollback release is current): until then its step says so, and
    // a client that sees `rolled_back` is never answered 409 by the rollback still running.
    jobs_.update(b->job, [](admin::Job& j) { j.step = "rolling_back"; });
    std::string why = "rolled back automatically: " + reason;
    auto tell = [&](const std::string& message) {
        jobs_.update(b->job, [&](admin::Job& j) {
            j.state = JobState::rolled_back;
            j.message = message;
            j.step = "done";
        });
    };
    release::ReleaseStore store(opts_.state_dir);
    (void)store.append_history({release::now_rfc3339(), b->version, "rolled_back", "", reason});
    if (b->previous == 0) {
        end_bake();
        return tell(fmt::format("{}; there is no earlier release to go back to: v{} stays current",
                                why, b->version));
    }
    std::string job;
    {
        std::lock_guard lock(mu_);
        // The operator's next job supersedes this rollback (and ends the window).
        if (pending_) return tell(why + "; not rolled back: a new job was submitted");
        auto id = jobs_.begin("rollback");
        if (auto* err = std::get_if<ControlError>(&id))
            return tell(why + "; not rolled back: " + err->message);
        job = std::get<std::string>(id);
    }
    say(job, fmt::format("-----> Automatic rollback of v{} to v{}: {}", b->version, b->previous,
                         reason));
    int previous = b->previous;
    // A rollback is not baked again: there is nothing older to go back to.
    run_release_job(
        job,
        [previous](const release::ReleaseStore& s) -> Result<release::Release> {
            auto d = release::draft_rollback(s, previous);
            if (d) d->description = fmt::format("Automatic rollback to v{}", previous);
            return d;
        },
        "automatic rollback", true);
    auto cur = store.current_version();
    if (cur && *cur != b->version) {
        end_bake();
        return tell(fmt::format("{}; v{} (a rollback to v{}) is current", why, *cur, previous));
    }
    // The bad release is still current: the bake record stays, so a restart tries again.
    auto rj = jobs_.get(job);
    tell(fmt::format("{}; the rollback to v{} failed: {}", why, previous,
                     rj ? rj->message : "unknown error"));
}

}  // namespace paasrun::deploy
