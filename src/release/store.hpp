// The release store: everything paasrun keeps about an app's builds and releases, under its
// state dir (`<app>/.paasrun/` by default, `$PAASRUN_STATE` to move it).
//
//   <state>/
//     lock                 flock(2): one writer (build, release, rollback, config) at a time
//     slugs/<id>/          an immutable slug: app/ (the built tree: code + .venv + .profile.d),
//                          slug.json (written last: no slug.json = unfinished), packages.txt
//     releases/vN/         release.json (mode 0600: it holds config vars); never modified
//     releases/.tmp-*      a release being written (ignored, removed by the next writer)
//     current -> releases/vN   the current release; replaced only by rename(2)
//     history.jsonl        append-only event log (src/release/history.hpp)
//     cache/               buildpacks' CACHE_DIR (persistent between builds)
//     tmp/                 scratch for builds (ENV_DIR, buildpack copies)
//     last_build.json      source fingerprint of the last successful build (fast no-op check)
//
// Crash safety (kill -9 at any instant): a slug becomes usable only when slug.json lands; a
// release only when its directory is renamed into releases/; it becomes current only when
// the `current` symlink is renamed. Until then the previous current release is untouched.
// Readers (`paasrun releases`, the supervisor) need no lock: every visible object is final.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "release/history.hpp"
#include "release/release.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::release {

namespace fs = std::filesystem;

/// The state dir of an app: $PAASRUN_STATE when set (made absolute), else <app_dir>/.paasrun.
[[nodiscard]] fs::path resolve_state_dir(const fs::path& app_dir);

/// An exclusive writer lock on a state dir, held until destroyed (released by the kernel if
/// the process dies, so a kill -9 never leaves the store locked).
class StoreLock {
public:
    StoreLock() = default;
    explicit StoreLock(unique_fd fd) : fd_(std::move(fd)) {}
    [[nodiscard]] bool held() const { return fd_.valid(); }

private:
    unique_fd fd_;
};

/// A release plus what readers want next to it.
struct ReleaseInfo {
    Release release;
    ReleaseStatus status = ReleaseStatus::pending;
    std::string failure_reason;
};

class ReleaseStore {
public:
    explicit ReleaseStore(fs::path state_dir);

    [[nodiscard]] const fs::path& root() const { return root_; }
    [[nodiscard]] fs::path slugs_dir() const { return root_ / "slugs"; }
    [[nodiscard]] fs::path releases_dir() const { return root_ / "releases"; }
    [[nodiscard]] fs::path cache_dir() const { return root_ / "cache"; }
    [[nodiscard]] fs::path tmp_dir() const { return root_ / "tmp"; }
    [[nodiscard]] fs::path current_link() const { return root_ / "current"; }
    [[nodiscard]] fs::path history_path() const { return root_ / "history.jsonl"; }
    [[nodiscard]] fs::path slug_dir(const std::string& id) const { return slugs_dir() / id; }
    /// The built app tree of a slug: the cwd of its processes.
    [[nodiscard]] fs::path slug_app_dir(const std::string& id) const {
        return slug_dir(id) / "app";
    }
    [[nodiscard]] fs::path release_dir(int version) const;

    /// Creates the directory layout (idempotent).
    [[nodiscard]] Status init() const;

    /// Takes the writer lock. Fails at once (does not wait) when another process holds it:
    /// the message names that process (its pid is written into the lock file). Then repairs
    /// the history (reconcile_history) if a writer died mid-activation.
    [[nodiscard]] Result<StoreLock> lock() const;

    /// Removes leftovers of writers that died: releases/.tmp-*, unfinished slugs (no
    /// slug.json), tmp/*. Call with the lock held.
    [[nodiscard]] Status clean_leftovers() const;

    // --- reading (no lock needed) ---
    /// The current version, or 0 when nothing was ever activated.
    [[nodiscard]] Result<int> current_version() const;
    [[nodiscard]] Result<Release> load(int version) const;
    [[nodiscard]] Result<SlugMeta> load_slug(const std::string& id) const;
    /// Every release that exists on disk, oldest first, with its status.
    [[nodiscard]] Result<std::vector<ReleaseInfo>> list() const;
    [[nodiscard]] std::vector<HistoryEvent> history() const;
    /// The release that was current before the current one, or 0.
    [[nodiscard]] int previous_version() const;

    // --- writing (lock held) ---
    /// A new unique slug id ("s<time>-<random>"); its dir is created empty at its final path
    /// (the venv inside must be built where it will run: its paths are absolute).
    [[nodiscard]] Result<std::string> new_slug_dir() const;
    /// Marks a slug finished: drops group/world write (and setuid/setgid) from every file and
    /// directory in it, fsyncs its tree, then writes slug.json atomically.
    [[nodiscard]] Status commit_slug(const SlugMeta& meta) const;

    /// Writes release.json for the next version (r.version is assigned and returned) into a
    /// temporary dir, fsyncs it, renames it into releases/vN and records `created`. The
    /// release is NOT current yet.
    [[nodiscard]] Result<int> create(Release r) const;
    /// Makes vN current (symlink swap by rename(2)) and records `activated`. Killed between
    /// the two, vN is current and the history lacks the event: see reconcile_history().
    [[nodiscard]] Status activate(int version) const;
    /// Makes the history agree with `current`: when the last `activated` event is not the
    /// current release (a writer died between the swap and the append), appends it. Returns
    /// whether it did. lock() calls it, so every writer starts from a truthful history.
    [[nodiscard]] Result<bool> reconcile_history() const;
    /// Records `failed` with a reason (the release stays on disk for `paasrun releases`).
    [[nodiscard]] Status mark_failed(int version, const std::string& reason) const;
    /// Appends any event (the admin API records auto-rollbacks with this).
    [[nodiscard]] Status append_history(const HistoryEvent& e) const;

    /// Applies retention: keeps `keep` newest releases plus the current and previous ones;
    /// removes the others and every finished slug no kept release uses. Returns the pruned
    /// versions.
    [[nodiscard]] Result<std::vector<int>> prune(int keep) const;

private:
    [[nodiscard]] std::vector<int> versions_on_disk() const;
    fs::path root_;
};

}  // namespace paasrun::release
