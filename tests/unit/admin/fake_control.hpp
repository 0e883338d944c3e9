// A scripted AppControl for the admin API's unit tests: answers come from public fields,
// calls are recorded. Its state dir is a fresh temp dir (removed on destruction).
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "admin/app_control.hpp"
#include "release/store.hpp"
#include "support/temp_dir.hpp"

namespace paasrun::admin::testing {

using TempDir = ::paasrun::testing::TempDir;  // tests name it through this namespace

class FakeControl : public AppControl {
public:
    TempDir dir;
    std::filesystem::path state = dir.path / ".paasrun";

    // Scripted answers.
    ControlResult<AppStatus> status_answer = AppStatus{};
    bool live_answer = true;
    ControlResult<Metrics> metrics_answer = Metrics{};
    std::optional<ControlError> job_error;  // returned by every job-starting call when set
    std::map<std::string, Job> jobs;
    std::vector<std::string> log_lines;

    // Recorded calls.
    std::mutex mu;
    std::vector<std::string> calls;
    std::filesystem::path deployed_archive;
    std::string deployed_bytes;
    int rollback_to = -1;
    std::map<std::string, std::optional<std::string>> config_changes;
    std::map<std::string, int> scale_counts;
    std::string restarted;
    std::map<int, std::function<bool(std::string_view)>> sinks;
    int next_sub = 1;
    int next_job = 1;

    FakeControl() {
        AppStatus s;
        s.app = "demo";
        s.current_release = 2;
        s.formation = {{"web", 2}, {"worker", 1}};
        s.ready = true;
        s.started = true;
        status_answer = s;
    }

    ControlResult<AppStatus> status() override { return status_answer; }
    bool live(std::chrono::milliseconds) override { return live_answer; }
    // The engine's reading of its store (deploy::Engine::releases), on the temp state dir.
    Result<ReleaseListing> releases() override {
        release::ReleaseStore store(state);
        auto list = store.list();
        if (!list) return std::move(list).error();
        auto current = store.current_version();
        if (!current) return std::move(current).error();
        return ReleaseListing{std::move(*list), *current, store.history()};
    }
    const std::filesystem::path& state_dir() const override { return state; }
    ControlResult<Metrics> metrics() override { return metrics_answer; }
    std::optional<Job> job(const std::string& id) override {
        std::lock_guard lk(mu);
        auto it = jobs.find(id);
        if (it == jobs.end()) return std::nullopt;
        return it->second;
    }

    ControlResult<std::string> start_job(const std::string& kind) {
        if (job_error) return *job_error;
        std::lock_guard lk(mu);
        Job j;
        j.id = "j" + std::to_string(next_job++);
        j.kind = kind;
        j.step = "building";
        j.previous_release = 2;
        j.started_at = "2026-01-01T00:00:00Z";
        jobs[j.id] = j;
        calls.push_back(kind);
        return j.id;
    }

    ControlResult<std::string> deploy(std::filesystem::path archive) override {
        if (!job_error) {
            std::lock_guard lk(mu);
            deployed_archive = archive;
            std::ifstream in(archive, std::ios::binary);
            deployed_bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        return start_job("deploy");
    }
    ControlResult<std::string> rollback(int to) override {
        rollback_to = to;
        return start_job("rollback");
    }
    ControlResult<std::string> set_config(
        std::map<std::string, std::optional<std::string>> changes) override {
        config_changes = changes;
        return start_job("config");
    }
    ControlResult<std::string> scale(std::map<std::string, int> counts) override {
        scale_counts = counts;
        return start_job("formation");
    }
    ControlResult<std::string> restart(const std::string& type) override {
        restarted = type;
        return start_job("restart");
    }
    std::vector<std::string> log_tail(std::size_t lines) override {
        if (lines >= log_lines.size()) return log_lines;
        return {log_lines.end() - static_cast<std::ptrdiff_t>(lines), log_lines.end()};
    }
    int subscribe_logs(std::function<bool(std::string_view)> sink) override {
        std::lock_guard lk(mu);
        sinks[next_sub] = std::move(sink);
        return next_sub++;
    }
    void unsubscribe_logs(int id) override {
        std::lock_guard lk(mu);
        sinks.erase(id);
    }
    /// Sends a line to every subscriber (as the engine's log thread would).
    void emit_log(std::string_view line) {
        std::lock_guard lk(mu);
        for (auto it = sinks.begin(); it != sinks.end();) {
            if (!it->second(line))
                it = sinks.erase(it);
            else
                ++it;
        }
    }
    std::size_t subscribers() {
        std::lock_guard lk(mu);
        return sinks.size();
    }

    /// Writes releases v1 (config FOO=1) and v2 (FOO=2, SECRET=s3cret; current) into the store.
    void seed_releases() {
        release::ReleaseStore store(state);
        for (int i = 1; i <= 2; ++i) {
            release::Release r;
            r.kind = release::ReleaseKind::config;
            r.description = i == 1 ? "Set FOO config var" : "Set FOO, SECRET config vars";
            r.config_vars = {{"FOO", std::to_string(i)}};
            if (i == 2) r.config_vars["SECRET"] = "s3cret";
            r.process_types = {{"web", "python app.py"}};
            auto v = store.create(r);
            if (!v) throw std::runtime_error(v.error().describe());
            if (auto s = store.activate(*v); !s) throw std::runtime_error(s.error().describe());
        }
    }
};

}  // namespace paasrun::admin::testing
