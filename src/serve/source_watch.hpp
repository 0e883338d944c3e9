// SourceWatch: tells `paasrun serve --reload` (and `paasrun up --reload`) that the app's
// source changed, with inotify. docs/serve.md, "--reload".
//
// What is watched: every directory under the root (the app dir: --chdir, else the cwd),
// except what is not source:
//   - .git .hg .svn __pycache__ .paasrun node_modules, and any virtualenv (a directory
//     holding pyvenv.cfg: .venv, venv, ...);
//   - what the root's .gitignore excludes (util/ignore_rules.hpp: git's pattern rules).
// Directories created later are watched as they appear. What counts as a change: a file
// written and closed, created, deleted or renamed (a directory's creation or removal too),
// except the names of relevant_change(): editor swap and backup files, byte code, and data
// the app itself writes next to its code (SQLite databases and journals, logs), so a
// request that writes to db.sqlite3 does not reload the app.
//
// The arbiter polls fd() with its other fds and calls changed() when it is readable: that
// reads every pending event and returns the first relevant path. Debouncing (an editor's
// save is several events; `git checkout` is hundreds) is the caller's: Debounce below.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/ignore_rules.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {

/// Whether a change to `rel` (relative to the root, '/'-separated) should reload the app:
/// false for ignored paths (`gitignore`, the directories above) and for editor, byte-code
/// and data files. Pure.
[[nodiscard]] bool relevant_change(const IgnoreRules& gitignore, std::string_view rel, bool is_dir);

/// Whether a directory named `name` is never watched (VCS, caches, .paasrun). Pure.
[[nodiscard]] bool skipped_dir_name(std::string_view name);

class SourceWatch {
public:
    /// Watches `root` recursively. Fails when inotify is unavailable; a directory that
    /// cannot be watched (the per-user watch limit) is reported once by warning().
    [[nodiscard]] static Result<SourceWatch> open(const std::filesystem::path& root);

    [[nodiscard]] int fd() const { return fd_.get(); }
    /// Reads every pending event (non-blocking); the first relevant changed path, relative
    /// to the root, or nullopt when none was relevant (or nothing was pending).
    [[nodiscard]] std::optional<std::string> changed();
    [[nodiscard]] std::size_t watched_dirs() const { return dirs_.size(); }
    /// Non-empty when some directory could not be watched (e.g. fs.inotify.max_user_watches).
    [[nodiscard]] const std::string& warning() const { return warning_; }

private:
    SourceWatch(unique_fd fd, std::filesystem::path root, IgnoreRules rules)
        : fd_(std::move(fd)), root_(std::move(root)), gitignore_(std::move(rules)) {}
    void add_tree(const std::string& rel);  // rel "" = the root
    unique_fd fd_;
    std::filesystem::path root_;
    IgnoreRules gitignore_;
    std::unordered_map<int, std::string> dirs_;  // watch descriptor -> relative dir
    std::string warning_;
};

/// Waits for a burst of changes to end: due() once `quiet_ms` passed without a change, or
/// `max_ms` after the first change of the burst, whichever comes first. Pure (times are
/// passed in, monotonic milliseconds).
class Debounce {
public:
    Debounce(std::int64_t quiet_ms, std::int64_t max_ms) : quiet_ms_(quiet_ms), max_ms_(max_ms) {}
    void change(std::int64_t now) {
        if (!pending_) first_ = now;
        pending_ = true;
        last_ = now;
    }
    [[nodiscard]] bool pending() const { return pending_; }
    /// When the pending burst is due (only meaningful while pending()).
    [[nodiscard]] std::int64_t due_at() const {
        return std::min(last_ + quiet_ms_, first_ + max_ms_);
    }
    /// True (and no longer pending) when the burst is due at `now`.
    bool take(std::int64_t now) {
        if (!pending_ || now < due_at()) return false;
        pending_ = false;
        return true;
    }

private:
    std::int64_t quiet_ms_, max_ms_;
    bool pending_ = false;
    std::int64_t first_ = 0, last_ = 0;
};

}  // namespace paasrun::worker
