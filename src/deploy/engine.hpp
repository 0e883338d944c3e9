// deploy::Engine: the AppControl behind the admin API (admin/app_control.hpp). It owns what
// actually happens on a deploy, rollback, config change, scale or restart; the sequence and
// every timeout are described in docs/deploys.md.
//
// Threads: jobs run one at a time on the engine's own thread, never on the supervisor loop.
// The engine reads and changes supervisor state only through Supervisor::submit() (waiting
// with a deadline), and writes the release store under its lock for the whole job. Between
// jobs the same thread watches the bake window of the last switch (crash loop, failed
// health checks) and rolls back by itself when it must.
//
// Settings: each release is checked and baked with the health:/deploy: sections of its own
// paasrun.yaml (deploy/release_settings.hpp), loaded when a job switches to it; a deployed
// source tree is built with the build settings of its own paasrun.yaml
// (deploy/build_settings.hpp); what configures the supervisor itself (shared socket,
// shutdown delay, restart policy, grace period, admin API, keep_releases) is
// EngineOptions::manifest, read once at start.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "admin/app_control.hpp"
#include "build/pipeline.hpp"
#include "config/manifest.hpp"
#include "deploy/bake_state.hpp"
#include "deploy/build_log_json.hpp"
#include "deploy/job_table.hpp"
#include "deploy/log_hub.hpp"
#include "deploy/release_settings.hpp"
#include "deploy/run_spec.hpp"
#include "deploy/stats_totals.hpp"
#include "deploy/switch_events.hpp"
#include "deploy/switch_machine.hpp"
#include "supervisor/supervisor.hpp"

namespace paasrun::deploy {

struct EngineOptions {
    std::string app_name;
    std::filesystem::path state_dir;
    // paasrun.yaml as read at start: the process-wide settings, the settings of the directory
    // run as-is (no release), and the fallback for a release without paasrun.yaml.
    config::Manifest manifest;
    // Startup pipeline options: only their process-level parts are used (build compile
    // timeout and paasrun version, publish.keep_releases); a deployed tree's buildpacks and
    // static dirs come from its own paasrun.yaml, release_timeout/env from the release's.
    build::PipelineOptions pipeline;
    EnvInputs env;                    // .env and process env (run_spec.hpp)
    std::filesystem::path stats_dir;  // PAASRUN_STATS_DIR of the web processes ("" = none)
    std::chrono::duration<double> grace_period{30};
};

class Engine final : public admin::AppControl {
public:
    /// `logs` must be the hub the supervisor's log tap feeds. Starts the engine thread: create
    /// it after Supervisor::create (which blocks the signals every thread must inherit).
    Engine(supervisor::Supervisor& sup, LogHub& logs, EngineOptions options);
    ~Engine() override;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Stops the engine thread (a running job is abandoned at its next step). Call before the
    /// supervisor is destroyed.
    void stop();

    // AppControl
    [[nodiscard]] admin::ControlResult<admin::AppStatus> status() override;
    [[nodiscard]] bool live(std::chrono::milliseconds deadline) override;
    [[nodiscard]] const std::filesystem::path& state_dir() const override {
        return opts_.state_dir;
    }
    [[nodiscard]] Result<admin::ReleaseListing> releases() override;
    [[nodiscard]] admin::ControlResult<admin::Metrics> metrics() override;
    [[nodiscard]] std::optional<admin::Job> job(const std::string& id) override {
        return jobs_.get(id);
    }
    [[nodiscard]] admin::ControlResult<std::string> deploy(std::filesystem::path archive) override;
    [[nodiscard]] admin::ControlResult<std::string> rollback(int to) override;
    [[nodiscard]] admin::ControlResult<std::string> set_config(
        std::map<std::string, std::optional<std::string>> changes) override;
    [[nodiscard]] admin::ControlResult<std::string> scale(
        std::map<std::string, int> counts) override;
    [[nodiscard]] admin::ControlResult<std::string> restart(const std::string& type) override;
    [[nodiscard]] std::vector<std::string> log_tail(std::size_t lines) override {
        return logs_.tail(lines);
    }
    [[nodiscard]] int subscribe_logs(std::function<bool(std::string_view)> sink) override {
        return logs_.subscribe(std::move(sink));
    }
    void unsubscribe_logs(int id) override { logs_.unsubscribe(id); }

    struct Bake;  // the bake window after a switch (engine.cpp)

private:
    using Clock = std::chrono::steady_clock;

    admin::ControlResult<std::string> submit(const std::string& kind,
                                             std::function<void(const std::string&)> body);
    void thread_main();

    // Runs fn(Supervisor&) on the loop and waits (in slices, so stop() is noticed).
    template <typename F>
    auto on_loop(F&& fn) -> Result<std::invoke_result_t<F&, supervisor::Supervisor&>>;

    // Job bodies (engine thread).
    void run_deploy(const std::string& job, const std::filesystem::path& archive);
    // `automatic`: the bake window's own rollback (not baked; keeps the bake record until done).
    void run_release_job(
        const std::string& job,
        const std::function<Result<release::Release>(const release::ReleaseStore&)>& draft,
        const std::string& what, bool automatic = false);
    void run_scale(const std::string& job, const std::map<std::string, int>& counts);
    void run_restart(const std::string& job, const std::string& type);

    // create -> release phase -> switch -> activate; on failure the release is marked failed.
    // `bake`: watch the release for its bake window afterwards (recorded in bake.json).
    Result<int> publish_and_switch(const std::string& job, const release::ReleaseStore& store,
                                   release::Release draft, bool bake = true);
    // Starts the run's processes as a new generation, waits for readiness and health, makes it
    // current. On failure the old processes keep running (shared socket) and the Error says why.
    // Returns the new web generation (0: none); the old processes are retiring (wait_drained).
    // `settings` are the run's own (settings_for); the bake window keeps them.
    // The switch is a SwitchMachine (switch_machine.hpp) driven by the supervisor's process
    // events (switch_events.hpp): switch_ holds it from the start to the end of the drain.
    // `web_only` (a restart of web): only the web processes are replaced; the other types'
    // processes keep running.
    Result<int> switch_to(const std::string& job, std::shared_ptr<const supervisor::RunSpec> run,
                          const ReleaseSettings& settings, bool baking, bool web_only = false);
    // Feeds the machine events (and ticks at its timers) and carries out its actions until it
    // needs the engine (switching) or ends; an Error when it rolls back or paasrun stops.
    Status drive(const std::string& job, SwitchMachine& m, int health_port,
                 const config::HealthCheck& health);
    // Waits until the processes retired by the last switch (switch_) are gone, or the drain
    // deadline passes; without a switch, the processes retiring now.
    void wait_drained(const std::string& job);
    // The settings a run is checked with: its release's paasrun.yaml (release_settings), or
    // the startup manifest for the directory run as-is.
    [[nodiscard]] Result<ReleaseSettings> settings_for(const supervisor::RunSpec& run) const;

    void bake_tick();
    void auto_rollback(const std::string& reason);
    // Ends the bake window and removes its record (deploy/bake_state.hpp).
    void end_bake();
    // At start: a bake window interrupted by a crash (bake.json, read by the constructor,
    // names the current release) is watched again, from the start, once the web processes
    // are ready; until then it is tried again on each idle tick. A job that ends bake
    // windows (deploy, rollback, config) drops it.
    void resume_bake();

    void step(const std::string& job, const std::string& name);
    void say(const std::string& job, const std::string& line);  // job output + log
    void log(log::Level level, const std::string& text);
    [[nodiscard]] bool stopping() const { return stopping_.load(); }

    supervisor::Supervisor& sup_;
    LogHub& logs_;
    EngineOptions opts_;
    JobTable jobs_;

    std::mutex mu_;
    std::condition_variable cv_;
    std::function<void()> pending_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> started_{false};
    SwitchEvents events_;                         // from the supervisor's process observer
    std::optional<SwitchMachine> switch_;         // engine thread only: the switch in progress
    std::unique_ptr<Bake> bake_;                  // engine thread only
    std::optional<BakeRecord> interrupted_bake_;  // engine thread only (after the constructor)
    Clock::time_point created_ = Clock::now();
    std::thread thread_;
    std::mutex totals_mu_;  // metrics() runs on any admin thread
    StatsTotals totals_;    // the stats files' counters, kept monotone (stats_totals.hpp)

    std::mutex say_mu_;                // say() from the engine thread and build callbacks
    BuildLogJson say_json_{"deploy"};  // say()'s lines as JSON with --log-format json
};

}  // namespace paasrun::deploy
