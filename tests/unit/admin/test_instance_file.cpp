// instance_file: how the CLI finds a running `paasrun up/start` of an app (parse, write,
// liveness, removal only by its owner).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "admin/instance_file.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::admin;
namespace fs = std::filesystem;

using paasrun::testing::TempDir;

namespace {

// A pid that certainly does not run: a child that has exited and been reaped.
pid_t dead_pid() {
    pid_t p = ::fork();
    if (p == 0) ::_exit(0);
    int st = 0;
    ::waitpid(p, &st, 0);
    return p;
}

}  // namespace

TEST_CASE("instance file: parse", "[admin][instance]") {
    auto e = parse_instance_entry("url=http://127.0.0.1:5900\npid=42\nfuture=key\n");
    REQUIRE(e);
    CHECK(e->url == "http://127.0.0.1:5900");
    CHECK(e->pid == 42);
    CHECK_FALSE(parse_instance_entry("pid=42\n"));
    CHECK_FALSE(parse_instance_entry("url=http://x\n"));
    CHECK_FALSE(parse_instance_entry("url=http://x\npid=-3\n"));
    CHECK_FALSE(parse_instance_entry("url=http://x\npid=12a\n"));
    CHECK_FALSE(parse_instance_entry(""));
}

TEST_CASE("instance file: client URLs", "[admin][instance]") {
    CHECK(client_url("127.0.0.1:5900") == "http://127.0.0.1:5900");
    CHECK(client_url("[::1]:5900") == "http://[::1]:5900");
    CHECK(client_url("unix:/run/paasrun/admin.sock") == "unix:/run/paasrun/admin.sock");
}

TEST_CASE("instance file: a live instance is found, a dead or missing one is not",
          "[admin][instance]") {
    TempDir state;
    CHECK_FALSE(find_live_instance(state.path));

    REQUIRE(write_instance_file(state.path, {"http://127.0.0.1:5900", ::getpid()}));
    CHECK(fs::exists(state.path / "run" / "admin"));
    auto live = find_live_instance(state.path);
    REQUIRE(live);
    CHECK(live->url == "http://127.0.0.1:5900");
    CHECK(live->pid == ::getpid());

    REQUIRE(write_instance_file(state.path, {"http://127.0.0.1:5901", dead_pid()}));
    CHECK_FALSE(find_live_instance(state.path));  // stale: the instance was killed

    std::ofstream(state.path / "run" / "admin") << "garbage\n";
    CHECK_FALSE(find_live_instance(state.path));
}

TEST_CASE("instance file: the guard removes only its own entry", "[admin][instance]") {
    TempDir state;
    {
        InstanceFileGuard guard(state.path, {"http://127.0.0.1:1", ::getpid()});
        REQUIRE(guard.status());
        CHECK(find_live_instance(state.path));
    }
    CHECK_FALSE(fs::exists(state.path / "run" / "admin"));

    {
        InstanceFileGuard guard(state.path, {"http://127.0.0.1:1", ::getpid()});
        // A second instance took the app over meanwhile: its entry must survive our exit.
        REQUIRE(write_instance_file(state.path, {"http://127.0.0.1:2", ::getppid()}));
    }
    auto other = find_live_instance(state.path);
    REQUIRE(other);
    CHECK(other->url == "http://127.0.0.1:2");
}

TEST_CASE("instance file: an unwritable state dir is reported, not fatal", "[admin][instance]") {
    TempDir state;
    std::ofstream(state.path / "run") << "a file where the directory should be\n";
    InstanceFileGuard guard(state.path, {"http://127.0.0.1:1", ::getpid()});
    CHECK_FALSE(guard.status());
}

TEST_CASE("instance file: an entry others could have written is not trusted", "[admin][instance]") {
    TempDir state;
    REQUIRE(write_instance_file(state.path, {"http://127.0.0.1:5900", ::getpid()}));
    REQUIRE(find_live_instance(state.path));
    auto file = state.path / "run" / "admin";
    fs::permissions(file, fs::perms::group_write, fs::perm_options::add);
    CHECK_FALSE(find_live_instance(state.path));  // the CLI would send its token there
    fs::permissions(file, fs::perms::group_write | fs::perms::others_write,
                    fs::perm_options::remove);
    CHECK(find_live_instance(state.path));
    fs::remove(file);
    fs::create_symlink("/etc/hostname", file);
    CHECK_FALSE(find_live_instance(state.path));
}
