#include "admin/instance_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "admin/instance_file.hpp"
#include "util/durable_fs.hpp"

namespace paasrun::admin {

namespace fs = std::filesystem;

fs::path InstanceLock::path(const fs::path& state_dir) {
    return state_dir / "instance.lock";
}

namespace {

bool unwritable(int err) {
    return err == EROFS || err == EACCES || err == EPERM;
}

// "pid 1234, admin API http://127.0.0.1:5900" from the lock file and the instance entry.
std::string describe_holder(const fs::path& state_dir, const fs::path& lock_file) {
    std::string pid;
    if (auto text = paasrun::read_file(lock_file)) pid = text->substr(0, text->find('\n'));
    auto entry = find_live_instance(state_dir);
    if (pid.empty() && entry) pid = std::to_string(entry->pid);
    std::string api = entry ? fmt::format("admin API {}", entry->url)
                            : std::string("its admin API is not listening yet, or is disabled");
    return fmt::format("pid {}, {}", pid.empty() ? "unknown" : pid, api);
}

}  // namespace

Result<InstanceLock> InstanceLock::acquire(const fs::path& state_dir) {
    InstanceLock lock;
    auto file = path(state_dir);
    std::error_code ec;
    fs::create_directories(state_dir, ec);
    unique_fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) {
        int err = errno;
        if (!unwritable(err)) return sys_error("open {}", file.string());
        lock.warning_ = fmt::format(
            "cannot take the instance lock {} ({}): another instance of this app would not be "
            "refused",
            file.string(), std::generic_category().message(err));
        return lock;
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == -1) {
        if (errno != EWOULDBLOCK) return sys_error("flock {}", file.string());
        return Error(
            fmt::format(
                "another paasrun instance of this app is running ({}; state dir {}): nothing was "
                "started. Stop it first, or change it through its admin API (`paasrun deploy`, "
                "`config:set`, `ps:scale` in the app directory reach it)",
                describe_holder(state_dir, file), state_dir.string()),
            {}, EWOULDBLOCK);
    }
    if (::ftruncate(fd.get(), 0) == 0) {
        auto pid = fmt::format("{}\n", ::getpid());
        [[maybe_unused]] auto n = ::pwrite(fd.get(), pid.data(), pid.size(), 0);
    }
    lock.fd_ = std::move(fd);
    return lock;
}

}  // namespace paasrun::admin
