// arbiter_exec: when `paasrun serve` may hand over to paasrun-arbiter, what the exec carries
// (this process's argv; the options in an inherited memfd) and how the lean arbiter takes them.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "serve/arbiter_exec.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::worker;
namespace fs = std::filesystem;

using paasrun::testing::TempDir;

namespace {

void write_file(const fs::path& p, const std::string& text, fs::perms perms) {
    std::ofstream(p) << text;
    fs::permissions(p, perms);
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ServeOptions sample() {
    ServeOptions o;
    o.app = "pkg.mod:app";
    o.bind = {"127.0.0.1:0", "unix:/run/a b.sock"};
    o.workers = 3;
    o.loop_yield_us = 0;
    o.root_path = "/prefix";
    return o;
}

// Hands `o` over the way exec_lean_arbiter does, without the exec.
void hand_over(const ServeOptions& o) {
    int fd = ::memfd_create("test-options", 0);
    REQUIRE(fd > 2);
    std::string payload;
    for (const auto& a : to_args(o)) payload += a + '\0';
    REQUIRE(::write(fd, payload.data(), payload.size()) == static_cast<ssize_t>(payload.size()));
    ::setenv(kArbiterOptionsEnv, std::to_string(fd).c_str(), 1);
}

}  // namespace

TEST_CASE("arbiter exec: the lean arbiter is used only with paasrun-worker beside it",
          "[worker][arbiter]") {
    TempDir dir;
    auto self = dir.path / "paasrun";
    write_file(self, "#!/bin/sh\n", fs::perms::owner_all);
    CHECK_FALSE(lean_arbiter_for(self));
    CHECK_FALSE(lean_arbiter_for(fs::path()));

    write_file(dir.path / "paasrun-arbiter", "#!/bin/sh\n", fs::perms::owner_all);
    CHECK_FALSE(lean_arbiter_for(self));  // no paasrun-worker: it could not start workers

    write_file(dir.path / "paasrun-worker", "#!/bin/sh\n",
               fs::perms::owner_read | fs::perms::owner_write);
    CHECK_FALSE(lean_arbiter_for(self));  // not executable

    fs::permissions(dir.path / "paasrun-worker", fs::perms::owner_all);
    auto lean = lean_arbiter_for(self);
    REQUIRE(lean);
    CHECK(*lean == dir.path / "paasrun-arbiter");

    fs::permissions(dir.path / "paasrun-arbiter", fs::perms::owner_read);
    CHECK_FALSE(lean_arbiter_for(self));
    fs::remove(dir.path / "paasrun-arbiter");
    fs::create_directory(dir.path / "paasrun-arbiter");
    CHECK_FALSE(lean_arbiter_for(self));  // a directory is not a program
}

TEST_CASE("arbiter exec: handed options round trip, and the variable and fd are consumed",
          "[worker][arbiter]") {
    hand_over(sample());
    int fd = std::atoi(std::getenv(kArbiterOptionsEnv));
    auto got = take_handed_options();
    REQUIRE(got);
    CHECK(*got == sample());
    CHECK(std::getenv(kArbiterOptionsEnv) == nullptr);
    CHECK(::fcntl(fd, F_GETFD) == -1);  // closed: workers must not inherit it
}

TEST_CASE("arbiter exec: a lean arbiter started by hand or with a bad hand-over refuses",
          "[worker][arbiter]") {
    ::unsetenv(kArbiterOptionsEnv);
    auto none = take_handed_options();
    REQUIRE_FALSE(none);
    CHECK(none.error().message.find("not by hand") != std::string::npos);

    ::setenv(kArbiterOptionsEnv, "x7", 1);
    CHECK_FALSE(take_handed_options());
    CHECK(std::getenv(kArbiterOptionsEnv) == nullptr);

    ::setenv(kArbiterOptionsEnv, "987", 1);  // not an open fd
    CHECK_FALSE(take_handed_options());

    int fd = ::memfd_create("test-bad", 0);
    REQUIRE(fd > 2);
    std::string junk = std::string("--no-such-option=1") + '\0';
    REQUIRE(::write(fd, junk.data(), junk.size()) == static_cast<ssize_t>(junk.size()));
    ::setenv(kArbiterOptionsEnv, std::to_string(fd).c_str(), 1);
    CHECK_FALSE(take_handed_options());
}

TEST_CASE("arbiter exec: execs the program with this process's argv and the options fd",
          "[worker][arbiter]") {
    TempDir dir;
    auto out = dir.path / "argv";
    auto opts = dir.path / "options";
    // The stand-in arbiter records what it was given.
    write_file(dir.path / "paasrun-arbiter",
               "#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\" > '" + out.string() + "'\n" +
                   "cat /dev/fd/$" + kArbiterOptionsEnv + " > '" + opts.string() + "'\n",
               fs::perms::owner_all);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        auto err = exec_lean_arbiter(dir.path / "paasrun-arbiter", sample());
        (void)err;
        ::_exit(99);  // only reached when the exec failed
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    // argv[1..] is ours (the test binary's); $0 is the script the kernel ran.
    std::ifstream self("/proc/self/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
    std::string expected_args;
    std::size_t first_nul = cmdline.find('\0');
    for (char c : cmdline.substr(first_nul + 1)) expected_args += c == '\0' ? '\n' : c;
    auto recorded = slurp(out);
    CHECK(recorded.substr(recorded.find('\n') + 1) == expected_args);

    std::string payload;
    for (const auto& a : to_args(sample())) payload += a + '\0';
    CHECK(slurp(opts) == payload);
}

TEST_CASE("arbiter exec: a failed exec returns an error and changes nothing", "[worker][arbiter]") {
    ::unsetenv(kArbiterOptionsEnv);
    auto err = exec_lean_arbiter("/nonexistent/paasrun-arbiter", sample());
    CHECK(err.message.find("/nonexistent/paasrun-arbiter") != std::string::npos);
    CHECK(std::getenv(kArbiterOptionsEnv) == nullptr);
}
