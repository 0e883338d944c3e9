// gunicorn's process-level options, shared by the arbiter and the workers: the error log
// file and its reopening (SIGUSR1, for logrotate), the log level, the process name and the
// pid file.
//
// --error-logfile FILE: the file becomes fd 2 of the arbiter, and so of every worker it
// starts (workers inherit fd 2), so the server's own log lines and the apps' tracebacks land
// there. On SIGUSR1 the arbiter reopens it (logrotate has renamed the old one) and sends
// SIGUSR1 to each worker, which reopens it and its --access-log file within one 250 ms tick
// (the signal handler only sets a flag; the event loop does the work).
#pragma once

#include <string>
#include <string_view>

#include "util/log.hpp"
#include "util/result.hpp"

namespace paasrun::worker {

/// Opens `path` for append (created 0644) and puts it on `target_fd` (dup2). "-" and
/// "stderr" leave fd 2 alone; "stdout" is fd 1.
[[nodiscard]] Status reopen_log_file(const std::string& path, int target_fd);

/// gunicorn's --log-level words -> util/log's levels (warning -> warn, critical -> error).
[[nodiscard]] log::Level log_level_from_name(std::string_view name);

/// prctl(PR_SET_NAME): the name `ps -o comm`, top and pgrep show (first 15 bytes).
void set_process_name(const std::string& name);

/// Worker side of SIGUSR1: install_reopen_signal() replaces "ignore" with a handler that
/// sets a flag; take_reopen_request() returns and clears it.
void install_reopen_signal();
[[nodiscard]] bool take_reopen_request();

/// -p/--pid FILE: written at start (temp file + rename, so a reader never sees it empty),
/// removed by the destructor when it still names this process.
class PidFile {
public:
    [[nodiscard]] static Result<PidFile> create(std::string path);
    PidFile(PidFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
    PidFile& operator=(PidFile&&) = delete;
    PidFile(const PidFile&) = delete;
    ~PidFile();

private:
    explicit PidFile(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

}  // namespace paasrun::worker
