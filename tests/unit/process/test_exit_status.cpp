#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>

#include "process/exit_status.hpp"

using namespace paasrun::process;

TEST_CASE("exit status: exit codes pass through, signals are 128+N", "[process][exit]") {
    CHECK(exit_code_of(W_EXITCODE(0, 0)) == 0);
    CHECK(exit_code_of(W_EXITCODE(3, 0)) == 3);
    CHECK(exit_code_of(W_EXITCODE(0, SIGKILL)) == 137);
    CHECK(exit_code_of(W_EXITCODE(0, SIGTERM)) == 143);
}

TEST_CASE("exit status: descriptions for the log", "[process][exit]") {
    CHECK(describe_status(W_EXITCODE(2, 0)) == "exit=2");
    CHECK(describe_status(W_EXITCODE(0, SIGKILL)) == "signal=SIGKILL");
    CHECK(signal_name(SIGUSR1) == "SIGUSR1");
}

TEST_CASE("exit status: exec failures are 127 (not found) or 126", "[process][exit]") {
    CHECK(exec_failure_code(ENOENT) == 127);
    CHECK(exec_failure_code(ENOTDIR) == 127);
    CHECK(exec_failure_code(EACCES) == 126);
    CHECK(exec_failure_code(ENOEXEC) == 126);
}

TEST_CASE("exit status: one format for every child (supervisor, arbiter, release phase)",
          "[process][exit]") {
    CHECK(describe_status(W_EXITCODE(0, SIGTERM)) == "signal=SIGTERM");
    CHECK(describe_status(W_EXITCODE(0, 0)) == "exit=0");
}
