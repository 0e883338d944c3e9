#include "deploy/switch_machine.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace paasrun::deploy {

using namespace std::chrono_literals;
using Kind = SwitchEvent::Kind;
using Act = SwitchAction::Kind;

std::string_view state_name(SwitchState s) {
    switch (s) {
        case SwitchState::starting:
            return "starting";
        case SwitchState::health_checking:
            return "health_checking";
        case SwitchState::switching:
            return "switching";
        case SwitchState::draining:
            return "draining";
        case SwitchState::done:
            return "done";
        case SwitchState::rolling_back:
            return "rolling_back";
    }
    return "?";
}

std::string exit_hint(std::string_view last_exit, std::string_view status) {
    if (!status.empty()) return fmt::format(": {}", status);
    if (last_exit == "exit=4")
        return ": the app could not be imported (MODULE:CALLABLE did not load; traceback in the "
               "log)";
    if (last_exit == "exit=3") return ": a worker failed to boot (see the log)";
    return "";
}

SwitchMachine::SwitchMachine(SwitchSettings settings) : s_(std::move(settings)) {}

SwitchMachine SwitchMachine::drain(std::vector<GenerationProcess> retiring,
                                   SwitchClock::time_point deadline) {
    SwitchMachine m{SwitchSettings{}};
    m.state_ = SwitchState::draining;
    m.retiring_.insert(retiring.begin(), retiring.end());
    m.drain_deadline_ = deadline;
    return m;
}

std::vector<SwitchAction> SwitchMachine::on(const SwitchEvent& e) {
    std::vector<SwitchAction> out;
    now_ = std::max(now_, e.at);
    const bool mine = e.generation == s_.generation && s_.generation != 0;
    switch (e.kind) {
        case Kind::started:
            if (mine && std::find(s_.web.begin(), s_.web.end(), e.name) != s_.web.end())
                started_[e.name] = e.at;
            break;
        case Kind::ready:
            if (mine) ready_.insert(e.name);
            break;
        case Kind::exited:
            if (!mine) break;
            exited_.emplace_back(e.name,
                                 fmt::format("({}){}", e.detail, exit_hint(e.detail, e.status)));
            // While health checking, an exit counts once a probe fails (a probe that passes
            // despite it switches, as the processes left serve).
            if (state_ == SwitchState::starting)
                fail(fmt::format("{} of the new release exited before it was ready {}", e.name,
                                 exited_.back().second),
                     out);
            break;
        case Kind::gone:
            if (state_ == SwitchState::draining) retiring_.erase({e.generation, e.name});
            break;
        case Kind::health:
            on_health(e, out);
            break;
        case Kind::committed:
            if (state_ != SwitchState::switching) break;
            state_ = SwitchState::draining;
            retiring_ = {e.retiring.begin(), e.retiring.end()};
            drain_deadline_ = e.drain_deadline;
            break;
        case Kind::tick:
            break;
    }
    advance(now_, out);
    return out;
}

void SwitchMachine::advance(SwitchClock::time_point now, std::vector<SwitchAction>& out) {
    switch (state_) {
        case SwitchState::starting: {
            bool all = !s_.web.empty();
            for (const auto& name : s_.web) {
                auto it = started_.find(name);
                bool ready = s_.reports_ready
                                 ? ready_.count(name) > 0
                                 : it != started_.end() && it->second + s_.settle <= now;
                all = all && ready;
            }
            if (all) return all_ready(out);
            if (now > s_.deadline)
                fail(fmt::format(
                         "the new web processes were not ready within deploy.start_timeout ({}s)",
                         s_.start_timeout),
                     out);
            return;
        }
        case SwitchState::health_checking:
            if (!probing_ && now >= next_probe_) {
                probing_ = true;
                out.push_back({Act::probe, {}});
            }
            return;
        case SwitchState::draining:
            if (retiring_.empty() || now >= drain_deadline_) state_ = SwitchState::done;
            return;
        case SwitchState::switching:
        case SwitchState::done:
        case SwitchState::rolling_back:
            return;
    }
}

void SwitchMachine::all_ready(std::vector<SwitchAction>& out) {
    out.push_back({Act::say, "-----> New web processes are ready"});
    if (s_.health_path.empty()) return to_switching(out);
    state_ = SwitchState::health_checking;
    out.push_back({Act::step, "health_check"});
    probing_ = true;  // at once
    out.push_back({Act::probe, {}});
}

void SwitchMachine::to_switching(std::vector<SwitchAction>& out) {
    if (!s_.commit) {
        state_ = SwitchState::done;
        return;
    }
    state_ = SwitchState::switching;
    out.push_back({Act::step, "switching"});
    out.push_back({Act::commit, {}});
}

void SwitchMachine::fail(std::string why, std::vector<SwitchAction>& out) {
    state_ = SwitchState::rolling_back;
    error_ = std::move(why);
    out.push_back({Act::abort, error_});
}

void SwitchMachine::on_health(const SwitchEvent& e, std::vector<SwitchAction>& out) {
    if (state_ != SwitchState::health_checking || !probing_) return;
    probing_ = false;
    if (e.healthy) {
        out.push_back({Act::say, fmt::format("-----> Health check passed: {}", e.detail)});
        return to_switching(out);
    }
    ++health_failures_;
    out.push_back({Act::say, fmt::format("-----> Health check failed ({}/{}): {}", health_failures_,
                                         s_.health_attempts, e.detail)});
    if (health_failures_ >= s_.health_attempts)
        return fail(fmt::format("health check {} failed {} times in a row (last: {})",
                                s_.health_path, health_failures_, e.detail),
                    out);
    if (!exited_.empty()) {
        const auto& [name, why] = exited_.front();
        return fail(
            fmt::format("{} of the new release exited during the health check {}", name, why), out);
    }
    if (e.at > s_.deadline)
        return fail(fmt::format("the health check did not pass within deploy.start_timeout ({}s)",
                                s_.start_timeout),
                    out);
    next_probe_ = e.at + s_.health_interval;
}

SwitchClock::time_point SwitchMachine::next_wakeup() const {
    auto never = SwitchClock::time_point::max();
    switch (state_) {
        case SwitchState::starting: {
            auto t = s_.deadline + 1ms;  // the deadline passes strictly after it
            if (!s_.reports_ready)
                for (const auto& [name, at] : started_)
                    if (at + s_.settle > now_) t = std::min(t, at + s_.settle);
            return t;
        }
        case SwitchState::health_checking:
            return probing_ ? never : next_probe_;
        case SwitchState::draining:
            return drain_deadline_;
        default:
            return never;
    }
}

}  // namespace paasrun::deploy
