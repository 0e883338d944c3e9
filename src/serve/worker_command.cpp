#include "serve/worker_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

namespace paasrun::worker {
namespace {

// The lean worker opened for fexecve, or an invalid fd when it is absent or not executable.
unique_fd open_executable(const std::filesystem::path& p) {
    // access(X_OK) applies the permission bits the way exec will for this user, which the
    // mode from fstat alone cannot tell (owner/group/other).
    if (::access(p.c_str(), X_OK) != 0) return {};
    unique_fd fd{::open(p.c_str(), O_PATH | O_CLOEXEC)};
    if (!fd) return {};
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    return fd;
}

}  // namespace

WorkerCommand worker_command_for(const std::filesystem::path& self_exe) {
    WorkerCommand c{{"/proc/self/exe", "__worker"},
                    self_exe.empty() ? std::string("paasrun") : self_exe.string()};
    if (!self_exe.empty()) {
        auto lean = self_exe.parent_path() / kLeanWorkerName;
        if (auto fd = open_executable(lean))
            c = WorkerCommand{{lean.string()}, "", std::make_shared<unique_fd>(std::move(fd))};
    }
    c.paasrun_worker = true;  // both forms run run_worker(), which unblocks the stop signals
    return c;
}

}  // namespace paasrun::worker
