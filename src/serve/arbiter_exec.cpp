#include "serve/arbiter_exec.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "serve/worker_command.hpp"
#include "util/fd_io.hpp"
#include "util/strings.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {
namespace {

bool is_executable_file(const std::filesystem::path& p) {
    struct stat st {};
    return ::access(p.c_str(), X_OK) == 0 && ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// NUL-separated words: argv entries and to_args() values cannot contain NUL.
std::vector<std::string> split_nul(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        auto nul = text.find('\0');
        out.emplace_back(text.substr(0, nul));
        if (nul == std::string_view::npos) break;
        text.remove_prefix(nul + 1);
    }
    return out;
}

std::string read_fd(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        auto n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace

std::optional<std::filesystem::path> lean_arbiter_for(const std::filesystem::path& self_exe) {
    if (self_exe.empty()) return std::nullopt;
    auto dir = self_exe.parent_path();
    auto arbiter = dir / kLeanArbiterName;
    if (!is_executable_file(arbiter) || !is_executable_file(dir / kLeanWorkerName))
        return std::nullopt;
    return arbiter;
}

Error exec_lean_arbiter(const std::filesystem::path& arbiter, const ServeOptions& options) {
    std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (!raw.empty() && raw.back() == '\0') raw.pop_back();
    auto args = split_nul(raw);
    if (args.empty()) return Error("cannot read /proc/self/cmdline");

    // Not MFD_CLOEXEC: this fd is the one thing meant to cross the exec.
    unique_fd memfd{::memfd_create("paasrun-arbiter-options", 0)};
    if (!memfd) return sys_error("memfd_create(arbiter options)");
    std::string payload;
    for (const auto& a : to_args(options)) {
        payload += a;
        payload += '\0';
    }
    if (write_all(memfd.get(), payload)) return sys_error("write(arbiter options memfd)");

    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto fd_text = std::to_string(memfd.get());
    ::setenv(kArbiterOptionsEnv, fd_text.c_str(), 1);
    ::execv(arbiter.c_str(), argv.data());
    auto err = sys_error("exec {}", arbiter.string());
    ::unsetenv(kArbiterOptionsEnv);
    return err;
}

Result<ServeOptions> take_handed_options() {
    const char* text = std::getenv(kArbiterOptionsEnv);
    if (!text)
        return Error(
            fmt::format("{} is not set: paasrun-arbiter is started by `paasrun serve`, not by hand",
                        kArbiterOptionsEnv));
    std::string_view sv(text);
    int fd = -1;
    bool ok = parse_int(sv, fd) && fd > 2;
    ::unsetenv(kArbiterOptionsEnv);
    if (!ok) return Error(fmt::format("{}: not a descriptor number", kArbiterOptionsEnv));
    unique_fd owned{fd};
    if (::fcntl(fd, F_GETFD) == -1) return sys_error("{}={}", kArbiterOptionsEnv, fd);
    auto payload = read_fd(fd);
    if (!payload.empty() && payload.back() == '\0') payload.pop_back();
    return from_args(split_nul(payload));
}

}  // namespace paasrun::worker
