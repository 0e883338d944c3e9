// Where a running `paasrun up` / `paasrun start` can be found: `<state dir>/run/admin`.
//
// The instance writes it once its admin API listens and removes it when it exits, so the CLI
// in the app directory reaches the running instance without --to: `paasrun config:set X=1`
// next to a running `paasrun up` changes the config THROUGH the instance (a new release, the
// processes restarted with it), the way `heroku config:set` restarts the dynos, instead of
// writing a release the running processes never see. `paasrun ps` and `paasrun logs` work
// the same way.
//
// Format, one `key=value` per line (unknown keys are ignored, for later additions):
//   url=http://127.0.0.1:5900       the admin API (or url=unix:/path)
//   pid=1234                        the instance
// An entry whose pid no longer runs (a crash or kill -9 skipped the removal) is stale and is
// ignored by readers. So is one that someone else could have written (not owned by this user
// or root, or writable by group/others): the CLI sends the admin token to that URL.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace paasrun::admin {

struct InstanceEntry {
    std::string url;  // for admin::Client::create
    pid_t pid = 0;
};

/// The file for a state dir (release::resolve_state_dir of the app dir).
[[nodiscard]] std::filesystem::path instance_file(const std::filesystem::path& state_dir);

/// The URL a client uses for an address from Server::address(): "unix:..." as is, else
/// "http://" + address.
[[nodiscard]] std::string client_url(std::string_view address);

/// Parses the file's text. Pure; an error when url or pid is missing or malformed.
[[nodiscard]] Result<InstanceEntry> parse_instance_entry(std::string_view text);

/// Writes the entry atomically (temp file + rename; creates run/).
[[nodiscard]] Status write_instance_file(const std::filesystem::path& state_dir,
                                         const InstanceEntry& e);

/// The entry when the file exists, parses and its pid is alive; std::nullopt otherwise.
[[nodiscard]] std::optional<InstanceEntry> find_live_instance(
    const std::filesystem::path& state_dir);

/// Removes the file if it still names `pid` (another instance may have replaced it).
void remove_instance_file(const std::filesystem::path& state_dir, pid_t pid);

/// Writes the entry on construction and removes it on destruction.
class InstanceFileGuard {
public:
    InstanceFileGuard(std::filesystem::path state_dir, InstanceEntry e);
    ~InstanceFileGuard();
    InstanceFileGuard(const InstanceFileGuard&) = delete;
    InstanceFileGuard& operator=(const InstanceFileGuard&) = delete;
    /// Whether the file was written (a read-only state dir is not fatal: --to still works).
    [[nodiscard]] const Status& status() const { return status_; }

private:
    std::filesystem::path state_dir_;
    pid_t pid_;
    Status status_;
};

}  // namespace paasrun::admin
