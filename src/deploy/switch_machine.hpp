// The deploy switch of one web generation as a state machine (docs/deploys.md, "The switch").
// The deploy engine owns it and drives it with events; it decides, the engine acts:
//
//   starting ──every web process ready──▶ health_checking ──probe passed──▶ switching
//      │        (READY=1, or up for 2 s         │  (no health check: straight on)  │ committed
//      │         for a server that does not     │                                  ▼
//      │         report readiness)              │                               draining
//      │                                        │                                  │ every retired
//      └── a process exited / start_timeout ────┴── N failed probes / exit + a     │ process gone,
//          passed ──▶ rolling_back                  failed probe / start_timeout   ▼ or the drain
//                                                   ──▶ rolling_back              done   deadline
//
// A canary (`commit` false) is done once it is healthy: it is never committed.
//
// Events: a process of the generation started / became ready / exited (from the supervisor,
// supervisor/process_event.hpp), a process is gone (a retired one exited), a health probe's
// result, the engine committed the generation (with the processes it retired), and the
// passing of time (`tick`; next_wakeup() says when one is due). Actions: lines for the job's
// output, its step, "probe now", "commit", "abort". The machine reads no clock and does no
// I/O: its tests feed events with explicit times.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paasrun::deploy {

using SwitchClock = std::chrono::steady_clock;

enum class SwitchState { starting, health_checking, switching, draining, done, rolling_back };

[[nodiscard]] std::string_view state_name(SwitchState s);

/// A process of some generation: {generation, name}.
using GenerationProcess = std::pair<int, std::string>;

struct SwitchEvent {
    enum class Kind { started, ready, exited, gone, health, committed, tick };
    Kind kind = Kind::tick;
    SwitchClock::time_point at;               // when it happened (tick: now)
    int generation = 0;                       // started, ready, exited, gone
    std::string name;                         // started, ready, exited, gone: "web.1"
    std::string detail;                       // exited: "exit=4"; health: the probe's description
    std::string status;                       // exited: why, as the process said (STATUS=), or ""
    bool healthy = false;                     // health
    std::vector<GenerationProcess> retiring;  // committed: the processes the commit retired
    SwitchClock::time_point drain_deadline;   // committed: stop waiting for them then
};

struct SwitchAction {
    enum class Kind {
        say,     // a line for the job's output
        step,    // the job's step is now `text`
        probe,   // run one health probe, then feed its result (Kind::health)
        commit,  // make the generation current, then feed Kind::committed
        abort,   // abandon the generation; error() says why
    };
    Kind kind;
    std::string text;
};

struct SwitchSettings {
    int generation = 0;
    std::vector<std::string> web;  // the generation's web processes: each must be ready
    bool reports_ready = false;    // `paasrun serve`: READY=1; anything else: up for `settle`
    SwitchClock::duration settle = std::chrono::seconds(2);
    SwitchClock::time_point deadline;  // deploy.start_timeout from the start of the switch
    double start_timeout = 0;          // the same, in seconds, for messages
    std::string health_path;           // "": no health check
    int health_attempts = 3;
    SwitchClock::duration health_interval = std::chrono::seconds(1);
    bool commit = true;  // false: a canary
};

class SwitchMachine {
public:
    explicit SwitchMachine(SwitchSettings settings);
    /// Only the drain: waiting for `retiring` to be gone, until `deadline` (the per-process-port
    /// case, where the old web processes must let go of their ports before the new ones start).
    [[nodiscard]] static SwitchMachine drain(std::vector<GenerationProcess> retiring,
                                             SwitchClock::time_point deadline);

    /// Feeds one event; returns what the engine must do, in order.
    [[nodiscard]] std::vector<SwitchAction> on(const SwitchEvent& event);

    [[nodiscard]] SwitchState state() const { return state_; }
    /// The machine waits for nothing more from the engine's event loop: done, rolling back, or
    /// switching (the engine commits).
    [[nodiscard]] bool waiting() const {
        return state_ == SwitchState::starting || state_ == SwitchState::health_checking ||
               state_ == SwitchState::draining;
    }
    /// Why it is rolling back.
    [[nodiscard]] const std::string& error() const { return error_; }
    /// When a tick is next due to change anything (time_point::max(): none).
    [[nodiscard]] SwitchClock::time_point next_wakeup() const;

private:
    void advance(SwitchClock::time_point now, std::vector<SwitchAction>& out);
    void all_ready(std::vector<SwitchAction>& out);
    void to_switching(std::vector<SwitchAction>& out);
    void fail(std::string why, std::vector<SwitchAction>& out);
    void on_health(const SwitchEvent& e, std::vector<SwitchAction>& out);

    SwitchSettings s_;
    SwitchState state_ = SwitchState::starting;
    SwitchClock::time_point now_{};  // the latest event's time
    std::string error_;
    std::map<std::string, SwitchClock::time_point> started_;  // web process -> when
    std::set<std::string> ready_;                             // reported READY=1
    // {name, "(exit=4)" + exit_hint}: what a failure message says about an early exit
    std::vector<std::pair<std::string, std::string>> exited_;
    int health_failures_ = 0;
    bool probing_ = false;
    SwitchClock::time_point next_probe_;
    std::set<GenerationProcess> retiring_;
    SwitchClock::time_point drain_deadline_ = SwitchClock::time_point::max();
};

/// What an early exit of a serve web process means: ": " + the reason it gave (`status`, its
/// STATUS= line: an ASGI app's lifespan startup message) when it gave one, else from its exit
/// status ("exit=4": the app could not be imported; "exit=3": a worker failed to boot), or "".
[[nodiscard]] std::string exit_hint(std::string_view last_exit, std::string_view status = {});

}  // namespace paasrun::deploy
