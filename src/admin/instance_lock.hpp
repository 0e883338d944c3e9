// One running `paasrun up` / `paasrun start` per state dir.
//
// Two instances of one app would share <state>/run/ (the stats files the first one's
// /metrics reads, the instance entry the CLI follows) and the store: the second would wipe
// the first's stats, replace and then delete its entry, after which the CLI writes the local
// store while the first instance serves another release. So an instance takes an exclusive
// flock(2) on <state>/instance.lock FIRST, before building, cleaning anything or binding a
// port, and holds it for its lifetime (the kernel drops it when the process dies, so a
// kill -9 never leaves the app locked). The fd is close-on-exec: the processes it starts
// never hold it. The lock file holds the pid (informational: the flock is the lock).
//
// A second instance is refused at once, with a message naming the running one (its pid and,
// once it listens, its admin API URL from the instance entry, instance_file.hpp).
#pragma once

#include <filesystem>
#include <string>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::admin {

class InstanceLock {
public:
    /// Takes the lock for `state_dir` (creating the dir). An Error with a message naming the
    /// running instance when another process holds it. A state dir that cannot be written
    /// (read-only file system, no permission) gives an unheld lock and a `warning()`: such an
    /// instance cannot change anything there either.
    [[nodiscard]] static Result<InstanceLock> acquire(const std::filesystem::path& state_dir);

    [[nodiscard]] bool held() const { return fd_.valid(); }
    /// Why the lock is not held ("" when it is).
    [[nodiscard]] const std::string& warning() const { return warning_; }

    /// The lock file of a state dir.
    [[nodiscard]] static std::filesystem::path path(const std::filesystem::path& state_dir);

private:
    unique_fd fd_;
    std::string warning_;
};

}  // namespace paasrun::admin
