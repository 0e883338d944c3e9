// The deploy switch's state machine (src/deploy/switch_machine.hpp): events in, actions out,
// with explicit times (no clock, no sleeps).
#include <catch2/catch.hpp>

#include "deploy/switch_machine.hpp"

using namespace paasrun::deploy;
using namespace std::chrono_literals;
using Kind = SwitchEvent::Kind;
using Act = SwitchAction::Kind;

namespace {

const SwitchClock::time_point t0 = SwitchClock::time_point{} + 1000s;

SwitchSettings settings(bool reports_ready = true, std::string health = "") {
    SwitchSettings s;
    s.generation = 7;
    s.web = {"web.1", "web.2"};
    s.reports_ready = reports_ready;
    s.deadline = t0 + 60s;
    s.start_timeout = 60;
    s.health_path = std::move(health);
    s.health_attempts = 3;
    s.health_interval = 1s;
    return s;
}

SwitchEvent ev(Kind k, SwitchClock::time_point at, std::string name = {}, int gen = 7) {
    SwitchEvent e;
    e.kind = k;
    e.at = at;
    e.name = std::move(name);
    e.generation = gen;
    return e;
}

SwitchEvent exited(SwitchClock::time_point at, std::string name, std::string last, int gen = 7) {
    auto e = ev(Kind::exited, at, std::move(name), gen);
    e.detail = std::move(last);
    return e;
}

SwitchEvent health(SwitchClock::time_point at, bool ok, std::string detail) {
    auto e = ev(Kind::health, at);
    e.healthy = ok;
    e.detail = std::move(detail);
    return e;
}

bool has(const std::vector<SwitchAction>& acts, Act kind, const std::string& text = {}) {
    for (const auto& a : acts)
        if (a.kind == kind && (text.empty() || a.text == text)) return true;
    return false;
}

}  // namespace

TEST_CASE("switch: READY=1 from every web process, no health check: commit, then drain",
          "[deploy][switch]") {
    SwitchMachine m(settings());
    CHECK(m.on(ev(Kind::started, t0, "web.1")).empty());
    CHECK(m.on(ev(Kind::started, t0, "web.2")).empty());
    CHECK(m.on(ev(Kind::ready, t0 + 1s, "web.1")).empty());
    CHECK(m.on(ev(Kind::ready, t0 + 1s, "web.1", 6)).empty());  // another generation's web.1
    CHECK(m.state() == SwitchState::starting);
    auto acts = m.on(ev(Kind::ready, t0 + 2s, "web.2"));
    CHECK(has(acts, Act::say, "-----> New web processes are ready"));
    CHECK(has(acts, Act::step, "switching"));
    CHECK(has(acts, Act::commit));
    CHECK(m.state() == SwitchState::switching);
    CHECK(!m.waiting());

    auto commit = ev(Kind::committed, t0 + 2s);
    commit.retiring = {{6, "web.1"}, {6, "web.2"}};
    commit.drain_deadline = t0 + 40s;
    (void)m.on(commit);
    CHECK(m.state() == SwitchState::draining);
    CHECK(m.next_wakeup() == t0 + 40s);
    (void)m.on(ev(Kind::gone, t0 + 3s, "web.1", 7));  // not a retiring one
    (void)m.on(ev(Kind::gone, t0 + 3s, "web.1", 6));
    CHECK(m.state() == SwitchState::draining);
    (void)m.on(ev(Kind::gone, t0 + 4s, "web.2", 6));
    CHECK(m.state() == SwitchState::done);
}

TEST_CASE("switch: a server that does not report readiness is ready after 2 s up",
          "[deploy][switch]") {
    SwitchMachine m(settings(false));
    (void)m.on(ev(Kind::started, t0, "web.1"));
    (void)m.on(ev(Kind::started, t0 + 500ms, "web.2"));
    CHECK(m.next_wakeup() == t0 + 2s);
    CHECK(m.on(ev(Kind::tick, t0 + 2s)).empty());  // web.2 has been up 1.5 s
    CHECK(m.next_wakeup() == t0 + 2500ms);
    auto acts = m.on(ev(Kind::tick, t0 + 2500ms));
    CHECK(has(acts, Act::commit));
}

TEST_CASE("switch: an exit before ready rolls back, with a hint from the exit status",
          "[deploy][switch]") {
    SwitchMachine m(settings());
    (void)m.on(ev(Kind::started, t0, "web.1"));
    (void)m.on(exited(t0 + 1s, "web.1", "exit=3", 6));  // an old process: not ours
    CHECK(m.state() == SwitchState::starting);
    auto acts = m.on(exited(t0 + 1s, "web.1", "exit=4"));
    CHECK(m.state() == SwitchState::rolling_back);
    CHECK(m.error() ==
          "web.1 of the new release exited before it was ready (exit=4): the app could not be "
          "imported "
          "(MODULE:CALLABLE did not load; traceback in the log)");
    CHECK(has(acts, Act::abort, m.error()));
    CHECK(!m.waiting());
}

TEST_CASE("switch: an exit with a STATUS reason names it instead of the exit status's hint",
          "[deploy][switch]") {
    SwitchMachine m(settings());
    (void)m.on(ev(Kind::started, t0, "web.1"));
    auto e = exited(t0 + 1s, "web.1", "exit=4");
    e.status = "ASGI lifespan startup failed: database unreachable";
    auto acts = m.on(e);
    CHECK(m.state() == SwitchState::rolling_back);
    CHECK(m.error() ==
          "web.1 of the new release exited before it was ready (exit=4): ASGI lifespan startup "
          "failed: database unreachable");
    CHECK(has(acts, Act::abort, m.error()));
}

TEST_CASE("switch: not ready by deploy.start_timeout rolls back", "[deploy][switch]") {
    SwitchMachine m(settings());
    (void)m.on(ev(Kind::started, t0, "web.1"));
    (void)m.on(ev(Kind::started, t0, "web.2"));
    (void)m.on(ev(Kind::ready, t0, "web.1"));
    CHECK(m.next_wakeup() > t0 + 60s);
    CHECK(m.on(ev(Kind::tick, t0 + 60s)).empty());  // at the deadline: not past it
    auto acts = m.on(ev(Kind::tick, t0 + 61s));
    CHECK(has(acts, Act::abort));
    CHECK(m.error() == "the new web processes were not ready within deploy.start_timeout (60s)");
}

TEST_CASE("switch: health checks: probe at once, then every interval; passing switches",
          "[deploy][switch]") {
    SwitchMachine m(settings(true, "/health"));
    (void)m.on(ev(Kind::ready, t0, "web.1"));
    auto acts = m.on(ev(Kind::ready, t0, "web.2"));
    CHECK(m.state() == SwitchState::health_checking);
    CHECK(has(acts, Act::step, "health_check"));
    CHECK(has(acts, Act::probe));
    CHECK(m.on(ev(Kind::tick, t0 + 100ms)).empty());  // one probe at a time
    acts = m.on(health(t0 + 200ms, false, "HTTP 503"));
    CHECK(has(acts, Act::say, "-----> Health check failed (1/3): HTTP 503"));
    CHECK(m.next_wakeup() == t0 + 1200ms);
    CHECK(m.on(ev(Kind::tick, t0 + 1s)).empty());
    acts = m.on(ev(Kind::tick, t0 + 1200ms));
    CHECK(has(acts, Act::probe));
    acts = m.on(health(t0 + 1300ms, true, "HTTP 200"));
    CHECK(has(acts, Act::say, "-----> Health check passed: HTTP 200"));
    CHECK(has(acts, Act::commit));
    CHECK(m.state() == SwitchState::switching);
}

TEST_CASE("switch: health check failures: N in a row, an exit, or the deadline",
          "[deploy][switch]") {
    auto ready = [](SwitchMachine& m, SwitchClock::time_point at) {
        (void)m.on(ev(Kind::ready, at, "web.1"));
        (void)m.on(ev(Kind::ready, at, "web.2"));
        REQUIRE(m.state() == SwitchState::health_checking);
    };
    SECTION("attempts") {
        SwitchMachine m(settings(true, "/health"));
        ready(m, t0);
        for (int i = 0; i < 2; ++i) {
            (void)m.on(health(t0 + std::chrono::seconds(2 * i), false, "refused"));
            (void)m.on(ev(Kind::tick, t0 + std::chrono::seconds(2 * i + 1)));
        }
        auto acts = m.on(health(t0 + 5s, false, "refused"));
        CHECK(
            has(acts, Act::abort, "health check /health failed 3 times in a row (last: refused)"));
    }
    SECTION("an exit counts once a probe fails") {
        SwitchMachine m(settings(true, "/health"));
        ready(m, t0);
        CHECK(m.on(exited(t0 + 100ms, "web.2", "exit=3")).empty());
        CHECK(m.state() == SwitchState::health_checking);
        auto acts = m.on(health(t0 + 200ms, false, "refused"));
        CHECK(has(acts, Act::abort,
                  "web.2 of the new release exited during the health check (exit=3): a worker "
                  "failed to boot (see "
                  "the log)"));
    }
    SECTION("a passing probe despite an exit switches") {
        SwitchMachine m(settings(true, "/health"));
        ready(m, t0);
        (void)m.on(exited(t0 + 100ms, "web.2", "signal=SIGKILL"));
        CHECK(has(m.on(health(t0 + 200ms, true, "HTTP 200")), Act::commit));
    }
    SECTION("deadline") {
        SwitchMachine m(settings(true, "/health"));
        ready(m, t0 + 59s);
        auto acts = m.on(health(t0 + 61s, false, "timed out"));
        CHECK(has(acts, Act::abort,
                  "the health check did not pass within deploy.start_timeout (60s)"));
    }
}

TEST_CASE("switch: a canary is done once healthy, never committed", "[deploy][switch]") {
    auto s = settings(true, "/health");
    s.web = {"web.1"};
    s.commit = false;
    SwitchMachine m(s);
    (void)m.on(ev(Kind::ready, t0, "web.1"));
    auto acts = m.on(health(t0 + 100ms, true, "HTTP 200"));
    CHECK(!has(acts, Act::commit));
    CHECK(m.state() == SwitchState::done);
}

TEST_CASE("switch: the drain ends when every retired process is gone, or at its deadline",
          "[deploy][switch]") {
    auto m = SwitchMachine::drain({{3, "web.1"}}, t0 + 35s);
    CHECK(m.state() == SwitchState::draining);
    (void)m.on(ev(Kind::exited, t0 + 1s, "web.1", 3));  // gone is what counts
    CHECK(m.state() == SwitchState::draining);
    (void)m.on(ev(Kind::tick, t0 + 34s));
    CHECK(m.state() == SwitchState::draining);
    (void)m.on(ev(Kind::tick, t0 + 35s));
    CHECK(m.state() == SwitchState::done);

    auto nothing = SwitchMachine::drain({}, t0 + 35s);
    (void)nothing.on(ev(Kind::tick, t0));
    CHECK(nothing.state() == SwitchState::done);

    SwitchMachine never_started(settings());
    auto commit = ev(Kind::committed, t0);  // ignored outside `switching`
    (void)never_started.on(commit);
    CHECK(never_started.state() == SwitchState::starting);
}
