#include "deploy/job_table.hpp"

#include <fmt/format.h>

#include "release/release.hpp"

namespace paasrun::deploy {

admin::ControlResult<std::string> JobTable::begin(const std::string& kind) {
    std::lock_guard lock(mu_);
    if (running_) {
        const admin::Job* j = nullptr;
        for (const auto& x : jobs_)
            if (x.id == *running_) j = &x;
        return admin::ControlError{
            admin::ErrorKind::conflict,
            fmt::format("job {} ({}) is still running; one deploy, rollback, config, "
                        "formation or restart job runs at a time",
                        *running_, j ? j->kind : "?")};
    }
    admin::Job job;
    job.id = fmt::format("j{}", next_++);
    job.kind = kind;
    job.step = "starting";
    job.started_at = release::now_rfc3339();
    running_ = job.id;
    jobs_.push_back(std::move(job));
    while (jobs_.size() > kKeep) jobs_.pop_front();
    return *running_;
}

admin::Job* JobTable::find(const std::string& id) {
    for (auto& j : jobs_)
        if (j.id == id) return &j;
    return nullptr;
}

void JobTable::update(const std::string& id, const std::function<void(admin::Job&)>& fn) {
    std::lock_guard lock(mu_);
    if (auto* j = find(id)) fn(*j);
}

void JobTable::add_output(const std::string& id, std::string_view line) {
    std::lock_guard lock(mu_);
    auto* j = find(id);
    if (!j) return;
    if (j->output.size() >= kMaxOutput) j->output.erase(j->output.begin());
    j->output.emplace_back(line);
}

void JobTable::finish(const std::string& id, admin::JobState state, std::string message) {
    std::lock_guard lock(mu_);
    if (auto* j = find(id)) {
        j->state = state;
        if (!message.empty()) j->message = std::move(message);
        if (j->finished_at.empty()) j->finished_at = release::now_rfc3339();
        if (state != admin::JobState::running && j->step != "baking") j->step = "done";
    }
    if (running_ == id) running_.reset();
}

std::optional<admin::Job> JobTable::get(const std::string& id) const {
    std::lock_guard lock(mu_);
    for (const auto& j : jobs_)
        if (j.id == id) return j;
    return std::nullopt;
}

std::optional<std::string> JobTable::running() const {
    std::lock_guard lock(mu_);
    return running_;
}

std::optional<admin::Job> JobTable::latest() const {
    std::lock_guard lock(mu_);
    if (jobs_.empty()) return std::nullopt;
    return jobs_.back();
}

}  // namespace paasrun::deploy
