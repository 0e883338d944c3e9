#include "worker/gunicorn_config.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "util/unique_fd.hpp"
#include "wsgi/app.hpp"

namespace paasrun::worker {
namespace {

// Forks; the child runs `job(write_fd)` and _exits with its result; the parent collects
// what the child wrote and its exit status.
template <typename Job>
Result<std::string> run_in_child(const std::string& what, Job job) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return sys_error("pipe2({})", what);
    unique_fd rd{fds[0]}, wr{fds[1]};
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return sys_error("fork({})", what);
    if (pid == 0) {
        rd.reset();
        int rc = job(wr.get());
        std::fflush(nullptr);
        ::_exit(rc);
    }
    wr.reset();
    std::string out;
    char buf[4096];
    for (;;) {
        auto n = ::read(rd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status))
        return Error(fmt::format("{} died of signal {}", what, WTERMSIG(status)));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Error(fmt::format("{} failed (exit {}; see the traceback above)", what,
                                 WIFEXITED(status) ? WEXITSTATUS(status) : -1));
    return out;
}

}  // namespace

Result<std::vector<wsgi::ConfigEntry>> evaluate_gunicorn_config(
    const std::string& source, const wsgi::InterpreterOptions& py) {
    auto bytes = run_in_child("config file " + source,
                              [&](int fd) { return wsgi::write_config_entries(source, py, fd); });
    if (!bytes) return bytes.error();
    return wsgi::decode_config_entries(*bytes);
}

Status check_app_imports(const std::string& app, const wsgi::InterpreterOptions& py) {
    auto r = run_in_child("importing " + app, [&](int) {
        auto interpreter = wsgi::Interpreter::initialize(py);
        if (!interpreter) {
            std::fprintf(stderr, "%s\n", interpreter.error().describe().c_str());
            return 1;
        }
        auto loaded = wsgi::App::load(app, wsgi::AppOptions{});
        if (!loaded) {
            std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
            return 1;
        }
        return 0;
    });
    if (!r) return r.error();
    return {};
}

}  // namespace paasrun::worker
