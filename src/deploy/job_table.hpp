// The jobs of the admin API (deploy, rollback, config, formation, restart): one runs at a
// time; the last 50 are kept in memory (the release history on disk is the durable record).
// Thread-safe; pure logic (no I/O), so its state machine is unit-tested directly.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "admin/app_control.hpp"

namespace paasrun::deploy {

class JobTable {
public:
    static constexpr std::size_t kKeep = 50;
    static constexpr std::size_t kMaxOutput = 2000;  // lines kept per job

    /// Starts a job of `kind` unless one is running: the new job's id, or a conflict error
    /// naming the running one.
    [[nodiscard]] admin::ControlResult<std::string> begin(const std::string& kind);
    /// Changes a job under the lock (no-op for an unknown id).
    void update(const std::string& id, const std::function<void(admin::Job&)>& fn);
    void add_output(const std::string& id, std::string_view line);
    /// Ends the running job: succeeded / failed / rolled_back, with a message.
    void finish(const std::string& id, admin::JobState state, std::string message);
    [[nodiscard]] std::optional<admin::Job> get(const std::string& id) const;
    [[nodiscard]] std::optional<std::string> running() const;
    /// The newest job (running or finished), or nullopt before the first.
    [[nodiscard]] std::optional<admin::Job> latest() const;

private:
    admin::Job* find(const std::string& id);
    mutable std::mutex mu_;
    std::deque<admin::Job> jobs_;
    std::optional<std::string> running_;
    int next_ = 1;
};

}  // namespace paasrun::deploy
