#include "serve/server_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

#include "util/fd_io.hpp"
#include "util/read_file.hpp"
#include "util/strings.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {
namespace {

volatile std::sig_atomic_t g_reopen = 0;

extern "C" void on_reopen_signal(int) {
    g_reopen = 1;
}

}  // namespace

Status reopen_log_file(const std::string& path, int target_fd) {
    if (path == "-" || path == "stderr") return {};
    if (path == "stdout")
        return target_fd == 1 || ::dup2(1, target_fd) >= 0 ? Status{} : sys_error("dup2(stdout)");
    unique_fd fd{::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)};
    if (!fd) return sys_error("open log file {}", path);
    if (::dup2(fd.get(), target_fd) < 0) return sys_error("dup2 log file {}", path);
    return {};
}

log::Level log_level_from_name(std::string_view name) {
    if (iequals(name, "debug")) return log::Level::debug;
    if (iequals(name, "warning") || iequals(name, "warn")) return log::Level::warn;
    if (iequals(name, "error") || iequals(name, "critical")) return log::Level::error;
    return log::Level::info;
}

void set_process_name(const std::string& name) {
    if (!name.empty()) ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
}

void install_reopen_signal() {
    struct sigaction sa {};
    sa.sa_handler = on_reopen_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGUSR1, &sa, nullptr);
    // The arbiter spawns workers with SIGUSR1 blocked; one that arrived since is delivered
    // now, to the handler.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

bool take_reopen_request() {
    if (!g_reopen) return false;
    g_reopen = 0;
    return true;
}

Result<PidFile> PidFile::create(std::string path) {
    std::string tmp = path + ".tmp";
    unique_fd fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (!fd) return sys_error("open pid file {}", tmp);
    if (write_all(fd.get(), std::to_string(::getpid()) + "\n"))
        return sys_error("write pid file {}", tmp);
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) return sys_error("rename pid file to {}", path);
    return PidFile(std::move(path));
}

PidFile::~PidFile() {
    if (path_.empty()) return;
    auto text = read_file(path_);
    if (text && trim(*text) == std::to_string(::getpid())) ::unlink(path_.c_str());
}

}  // namespace paasrun::worker
