// worker_command_for: the lean paasrun-worker when it sits next to paasrun, else the
// `/proc/self/exe __worker` fallback; and spawn_worker exec'ing the pinned program.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "serve/arbiter_spawn.hpp"
#include "serve/heartbeat.hpp"
#include "serve/worker_command.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::worker;
using paasrun::unique_fd;
namespace fs = std::filesystem;

using paasrun::testing::TempDir;

namespace {

void write_file(const fs::path& p, fs::perms perms) {
    std::ofstream(p) << "#!/bin/sh\n";
    fs::permissions(p, perms);
}

std::string read_all(int fd) {
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

}  // namespace

TEST_CASE("worker command: falls back to /proc/self/exe __worker without a lean worker",
          "[worker][arbiter]") {
    TempDir dir;
    auto self = dir.path / "paasrun";
    write_file(self, fs::perms::owner_all);

    auto cmd = worker_command_for(self);
    CHECK(cmd.command == std::vector<std::string>{"/proc/self/exe", "__worker"});
    CHECK(cmd.argv0 == self.string());
    CHECK_FALSE(cmd.exe);

    SECTION("a paasrun-worker that is not executable is ignored") {
        write_file(dir.path / kLeanWorkerName, fs::perms::owner_read | fs::perms::owner_write);
        CHECK(worker_command_for(self).command.front() == "/proc/self/exe");
    }
    SECTION("a directory named paasrun-worker is ignored") {
        fs::create_directory(dir.path / kLeanWorkerName);
        CHECK(worker_command_for(self).command.front() == "/proc/self/exe");
    }
    SECTION("an unknown own path still gives a runnable command") {
        auto unknown = worker_command_for({});
        CHECK(unknown.command == std::vector<std::string>{"/proc/self/exe", "__worker"});
        CHECK(unknown.argv0 == "paasrun");
    }
}

TEST_CASE("worker command: an executable paasrun-worker next to paasrun is used and pinned",
          "[worker][arbiter]") {
    TempDir dir;
    auto lean = dir.path / kLeanWorkerName;
    write_file(lean, fs::perms::owner_all);

    auto cmd = worker_command_for(dir.path / "paasrun");
    CHECK(cmd.command == std::vector<std::string>{lean.string()});
    CHECK(cmd.argv0.empty());
    REQUIRE(cmd.exe);
    struct stat by_fd {
    }, by_path{};
    REQUIRE(::fstat(cmd.exe->get(), &by_fd) == 0);
    REQUIRE(::stat(lean.c_str(), &by_path) == 0);
    CHECK(by_fd.st_ino == by_path.st_ino);
    CHECK((::fcntl(cmd.exe->get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE(
    "spawn: a pinned worker program runs after its file was removed, without leaking "
    "its fd",
    "[worker][arbiter]") {
    // A real ELF program (fexecve through a CLOEXEC fd cannot run a script): a copy of sh.
    TempDir dir;
    auto lean = dir.path / kLeanWorkerName;
    fs::copy_file("/bin/sh", lean);
    fs::permissions(lean, fs::perms::owner_all);
    auto cmd = worker_command_for(dir.path / "paasrun");
    REQUIRE(cmd.exe);
    fs::remove(lean);  // an upgrade replacing the file must not change what the arbiter runs

    // fd 3 = control pipe, 4 = heartbeat memfd; nothing above (the pinned fd is CLOEXEC).
    cmd.command.insert(cmd.command.end(),
                       {"-c", "[ -e /proc/self/fd/5 ] || r=closed; echo \"ran $r $1\" >&3", "sh"});
    auto hb = HeartbeatSlot::create(0);
    REQUIRE(hb);
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    unique_fd r{p[0]}, w{p[1]};
    WorkerContext ctx;
    ctx.index = 1;
    ctx.control_fd = w.get();
    ctx.heartbeat_fd = hb->fd();
    auto pid = spawn_worker(cmd, ctx);
    REQUIRE(pid);
    w.reset();
    int status = 0;
    REQUIRE(::waitpid(*pid, &status, 0) == *pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(read_all(r.get()) == "ran closed --index=1\n");
}
