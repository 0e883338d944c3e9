#include "supervisor/spawn.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <spawn.h>

#include <csignal>

#include "util/unique_fd.hpp"

namespace paasrun::supervisor {
namespace {

// RAII for the posix_spawn attribute objects.
struct Attr {
    posix_spawnattr_t a{};
    Attr() { posix_spawnattr_init(&a); }
    ~Attr() { posix_spawnattr_destroy(&a); }
    Attr(const Attr&) = delete;
    Attr& operator=(const Attr&) = delete;
};
struct Actions {
    posix_spawn_file_actions_t a{};
    Actions() { posix_spawn_file_actions_init(&a); }
    ~Actions() { posix_spawn_file_actions_destroy(&a); }
    Actions(const Actions&) = delete;
    Actions& operator=(const Actions&) = delete;
};

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

Error actions_error(int err, const std::string& program) {
    errno = err;
    return sys_error("posix_spawn file actions for {}", program);
}

}  // namespace

Result<pid_t> spawn(const SpawnRequest& req) {
    if (req.argv.empty()) return Error("spawn: empty argv");
    Attr attr;
    Actions actions;

    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (req.own_process_group) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attr.a, 0);
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr.a, &none);
    posix_spawnattr_setsigdefault(&attr.a, &all);
    posix_spawnattr_setflags(&attr.a, flags);

    int rc = 0;
    if (req.stdin_fd >= 0 && rc == 0)
        rc = posix_spawn_file_actions_adddup2(&actions.a, req.stdin_fd, 0);
    if (req.stdout_fd >= 0 && rc == 0)
        rc = posix_spawn_file_actions_adddup2(&actions.a, req.stdout_fd, 1);
    if (req.stderr_fd >= 0 && rc == 0)
        rc = posix_spawn_file_actions_adddup2(&actions.a, req.stderr_fd, 2);
    // Sources are first copied above every target so no dup2 below clobbers a source that
    // happens to have a target's number; the copies are close-on-exec and closed here.
    std::vector<unique_fd> copies;
    for (const auto& [source, target] : req.extra_fds) {
        unique_fd copy{::fcntl(source, F_DUPFD_CLOEXEC, 100)};
        if (!copy) return sys_error("spawn {}: fcntl(F_DUPFD_CLOEXEC) of fd {}", req.argv[0], source);
        if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions.a, copy.get(), target);
        copies.push_back(std::move(copy));
    }
    if (!req.cwd.empty() && rc == 0)
        rc = posix_spawn_file_actions_addchdir_np(&actions.a, req.cwd.c_str());
    if (rc != 0) return actions_error(rc, req.argv[0]);

    auto argv = c_strings(req.argv);
    auto envp = c_strings(req.envp);
    pid_t pid = -1;
    rc = ::posix_spawn(&pid, argv[0], &actions.a, &attr.a, argv.data(), envp.data());
    if (rc != 0) {
        errno = rc;
        return sys_error("cannot start {} (cwd {})", req.argv[0], req.cwd.empty() ? "." : req.cwd);
    }
    return pid;
}

}  // namespace paasrun::supervisor
