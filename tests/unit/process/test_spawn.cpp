// process::spawn: a failed exec is an Error from the parent (no child left), the child gets
// exactly the fds, environment, mask and group it was given, and PR_SET_PDEATHSIG works.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "process/spawn.hpp"
#include "util/unique_fd.hpp"

using namespace paasrun;
using paasrun::process::spawn;
using paasrun::process::SpawnFailure;
using paasrun::process::SpawnSpec;

namespace {

struct Pipe {
    unique_fd read, write;
};

Pipe make_pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    return {unique_fd(fds[0]), unique_fd(fds[1])};
}

std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

int wait_status(pid_t pid) {
    int st = 0;
    REQUIRE(::waitpid(pid, &st, 0) == pid);
    return st;
}

// Runs the spec with stdout on a pipe; returns what it printed (and reaps it).
std::string output_of(SpawnSpec spec) {
    auto out = make_pipe();
    spec.fds.emplace_back(out.write.get(), 1);
    auto pid = spawn(spec);
    REQUIRE(pid);
    out.write.reset();
    auto text = read_all(out.read.get());
    int st = wait_status(*pid);
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 0);
    return text;
}

bool no_children_left() {
    errno = 0;
    return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace

TEST_CASE("spawn: a missing program is ENOENT from the parent, with no child left",
          "[process][spawn]") {
    SpawnSpec spec;
    spec.argv = {"/nonexistent/program", "x"};
    SpawnFailure why = SpawnFailure::parent;
    auto pid = spawn(spec, &why);
    REQUIRE(!pid);
    CHECK(pid.error().sys_errno == ENOENT);
    CHECK(pid.error().message == "cannot run '/nonexistent/program': No such file or directory");
    CHECK(why == SpawnFailure::child);
    CHECK(no_children_left());
}

TEST_CASE("spawn: a file that is not executable is EACCES", "[process][spawn]") {
    char path[] = "/tmp/paasrun-spawn-XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd);
    SpawnSpec spec;
    spec.argv = {path};
    auto pid = spawn(spec);
    ::unlink(path);
    REQUIRE(!pid);
    CHECK(pid.error().sys_errno == EACCES);
    CHECK(no_children_left());
}

TEST_CASE("spawn: a missing working directory names the directory", "[process][spawn]") {
    SpawnSpec spec;
    spec.argv = {"/bin/true"};
    spec.cwd = "/nonexistent/dir";
    auto pid = spawn(spec);
    REQUIRE(!pid);
    CHECK(pid.error().sys_errno == ENOENT);
    CHECK(pid.error().message.find("cannot enter directory /nonexistent/dir") != std::string::npos);
    CHECK(no_children_left());
}

TEST_CASE("spawn: the environment is exactly the one given; the cwd is set", "[process][spawn]") {
    SpawnSpec spec;
    spec.argv = {"/usr/bin/env"};
    spec.env = std::vector<std::string>{"A=1", "B=two words"};
    CHECK(output_of(spec) == "A=1\nB=two words\n");

    spec.argv = {"/bin/pwd"};
    spec.env = std::vector<std::string>{};
    spec.cwd = "/usr";
    CHECK(output_of(spec) == "/usr\n");
}

TEST_CASE("spawn: exec by path, with another argv[0]; exec of a pinned file descriptor",
          "[process][spawn]") {
    SpawnSpec spec;
    spec.path = "/bin/sh";
    spec.argv = {"shown-name", "-c", "echo $0"};
    CHECK(output_of(spec) == "shown-name\n");

    unique_fd exe(::open("/bin/sh", O_PATH | O_CLOEXEC));
    REQUIRE(exe);
    spec.path = "/nonexistent/only-for-messages";
    spec.exe_fd = exe.get();
    CHECK(output_of(spec) == "shown-name\n");
}

TEST_CASE("spawn: fds are passed at their numbers, even when sources and targets swap",
          "[process][spawn]") {
    auto a = make_pipe();
    auto b = make_pipe();
    const int fa = a.write.get(), fb = b.write.get();
    SpawnSpec spec;
    spec.argv = {"/bin/sh", "-c",
                 "echo to-a >&" + std::to_string(fa) + "; echo to-b >&" + std::to_string(fb)};
    // a's write end becomes fd fb in the child and b's becomes fa: "to-a" reaches b.
    spec.fds = {{fa, fb}, {fb, fa}};
    auto pid = spawn(spec);
    REQUIRE(pid);
    a.write.reset();
    b.write.reset();
    CHECK(read_all(a.read.get()) == "to-b\n");
    CHECK(read_all(b.read.get()) == "to-a\n");
    CHECK(WEXITSTATUS(wait_status(*pid)) == 0);
}

TEST_CASE("spawn: close_other_fds closes what is not passed, also without CLOEXEC",
          "[process][spawn]") {
    unique_fd leaked(::open("/dev/null", O_RDONLY));  // no O_CLOEXEC
    REQUIRE(leaked);
    auto passed = make_pipe();
    const int target = std::max(leaked.get(), passed.write.get()) + 10;  // free in the child
    const std::string n = std::to_string(leaked.get()), t = std::to_string(target);
    const std::string test =
        "for n in " + n + " " + t +
        "; do if [ -e /proc/self/fd/$n ]; then echo $n open; else echo $n closed; fi; done";
    SpawnSpec spec;
    spec.argv = {"/bin/sh", "-c", test};
    spec.fds = {{passed.write.get(), target}};
    CHECK(output_of(spec) == n + " open\n" + t + " open\n");
    spec.close_other_fds = true;
    CHECK(output_of(spec) == n + " closed\n" + t + " open\n");
}

TEST_CASE("spawn: new process group, new session, the signal mask at exec", "[process][spawn]") {
    SpawnSpec spec;
    spec.argv = {"/bin/sleep", "30"};
    spec.new_process_group = true;
    auto pid = spawn(spec);
    REQUIRE(pid);
    CHECK(::getpgid(*pid) == *pid);
    CHECK(::getsid(*pid) == ::getsid(0));
    ::kill(*pid, SIGKILL);
    (void)wait_status(*pid);

    spec.new_session = true;
    pid = spawn(spec);
    REQUIRE(pid);
    CHECK(::getsid(*pid) == *pid);
    ::kill(*pid, SIGKILL);
    (void)wait_status(*pid);

    // The parent's blocked signals do not survive exec; the asked-for ones do.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    ::pthread_sigmask(SIG_BLOCK, &block, &old);
    SpawnSpec grep;
    grep.argv = {"/bin/grep", "SigBlk", "/proc/self/status"};
    auto none = output_of(grep);
    grep.blocked_signals = {SIGTERM};
    auto term = output_of(grep);
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    CHECK(none == "SigBlk:\t0000000000000000\n");
    CHECK(term == "SigBlk:\t0000000000004000\n");  // SIGTERM = 15: bit 14
}

TEST_CASE("spawn: pdeathsig kills the child when its parent dies", "[process][spawn]") {
    // The grandchild is re-parented to us (a subreaper) when the middle process exits.
    REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    auto report = make_pipe();
    pid_t middle = ::fork();
    REQUIRE(middle >= 0);
    if (middle == 0) {
        SpawnSpec spec;
        spec.argv = {"/bin/sleep", "60"};
        spec.pdeathsig = SIGKILL;
        auto pid = spawn(spec);
        pid_t value = pid ? *pid : -1;
        [[maybe_unused]] auto n = ::write(report.write.get(), &value, sizeof value);
        ::_exit(0);
    }
    report.write.reset();
    pid_t grandchild = -1;
    REQUIRE(::read(report.read.get(), &grandchild, sizeof grandchild) == sizeof grandchild);
    REQUIRE(grandchild > 0);
    CHECK(WEXITSTATUS(wait_status(middle)) == 0);
    // It dies with SIGKILL as soon as the middle process is gone (a deadline, not a sleep).
    int st = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    pid_t got = 0;
    while ((got = ::waitpid(grandchild, &st, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (got == 0) ::kill(grandchild, SIGKILL), (void)::waitpid(grandchild, &st, 0);
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    REQUIRE(got == grandchild);
    CHECK(WIFSIGNALED(st));
    CHECK(WTERMSIG(st) == SIGKILL);
}
