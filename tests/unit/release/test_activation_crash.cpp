// ALICE-style crash test of activation: a child process activates v2 and is SIGKILLed at
// each of its steps (test pause points, src/util/test_hooks.hpp); then the store must tell
// the truth: the current release is the last one activated in the history (once a writer
// took the lock), a release that was current is never reported pending or failed, and the
// default rollback target is the release that was current before.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "release/publish.hpp"
#include "release/store.hpp"
#include "support/fake_slug.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::release;
using paasrun::testing::TempDir;

namespace {

int make_release(const ReleaseStore& store, const std::string& hash) {
    auto draft = draft_build_release(store, paasrun::testing::fake_slug(store, hash));
    REQUIRE(draft);
    auto v = store.create(*draft);
    REQUIRE(v);
    return *v;
}

// Runs store.activate(version) in a child that stops at `point`; kills it there with
// SIGKILL. Returns whether the child reached the point (it printed the pause line).
bool activate_and_kill_at(const ReleaseStore& store, int version, const std::string& point) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(fds[1], 2);
        ::close(fds[0]);
        ::setenv("PAASRUN_TEST_PAUSE_AT", point.c_str(), 1);
        (void)store.activate(version);
        ::_exit(0);  // the point was never reached
    }
    ::close(fds[1]);
    std::string seen;
    char buf[256];
    bool paused = false;
    while (!paused) {
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        seen.append(buf, static_cast<std::size_t>(n));
        paused = seen.find("paused at " + point) != std::string::npos;
    }
    ::close(fds[0]);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return paused;
}

}  // namespace

TEST_CASE("activation: a kill -9 at every step leaves a truthful store",
          "[release][store][crash]") {
    const std::string point =
        GENERATE(as<std::string>{}, "activate:before-swap", "activate:after-link",
                 "activate:after-rename", "activate:after-swap", "activate:after-history");
    // Whether v2 is current once killed there (the rename is the commit point).
    bool swapped = point != "activate:before-swap" && point != "activate:after-link";
    INFO("killed at " << point);

    TempDir tmp("activation");
    ReleaseStore store(tmp.path / "state");
    REQUIRE(store.init());
    REQUIRE(make_release(store, "h1") == 1);
    REQUIRE(store.activate(1));
    REQUIRE(make_release(store, "h2") == 2);

    REQUIRE(activate_and_kill_at(store, 2, point));
    int expected = swapped ? 2 : 1;
    REQUIRE(*store.current_version() == expected);

    // Readers (no lock): the status and the rollback target already read right.
    auto list = store.list();
    REQUIRE(list);
    CHECK((*list)[expected - 1].status == ReleaseStatus::current);
    CHECK(store.previous_version() == (swapped ? 1 : 0));

    // The next writer repairs the history before doing anything.
    {
        auto lock = store.lock();
        REQUIRE(lock);
        CHECK(last_activated(store.history()) == expected);
        // A second repair finds nothing to do.
        auto again = store.reconcile_history();
        REQUIRE(again);
        CHECK_FALSE(*again);
        // It builds v3 and makes it current.
        REQUIRE(make_release(store, "h3") == 3);
        REQUIRE(store.activate(3));
    }
    // v2 served if it was ever current: succeeded, not pending (and so never "interrupted").
    list = store.list();
    REQUIRE(list);
    CHECK((*list)[1].status == (swapped ? ReleaseStatus::succeeded : ReleaseStatus::pending));
    // Heroku's default rollback goes to the release current just before v3.
    CHECK(store.previous_version() == expected);
    auto draft = draft_rollback(store, 0);
    REQUIRE(draft);
    CHECK(draft->rollback_of == expected);
}

TEST_CASE("history: previous_release reads around a lost activation", "[release][history]") {
    std::vector<HistoryEvent> ev{
        {"", 1, "created", "", ""}, {"", 1, "activated", "", ""}, {"", 2, "created", "", ""}};
    // v2 is current but its activation never reached the file.
    CHECK(previous_release(ev, 2) == 1);
    ev.push_back({"", 2, "activated", "", ""});
    CHECK(previous_release(ev, 2) == 1);
    CHECK(last_activated(ev) == 2);
    CHECK(previous_release(ev, 1) == 2);
}
