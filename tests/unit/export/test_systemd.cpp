#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "config/manifest.hpp"
#include "config/procfile.hpp"
#include "export/systemd.hpp"
#include "serve/serve_options.hpp"
#include "supervisor/formation.hpp"

namespace ex = paasrun::exporting;
using paasrun::config::Manifest;

namespace {

// Unit file -> "Section.Key" -> values (a key may repeat).
std::multimap<std::string, std::string> parse_unit(const std::string& text) {
    std::multimap<std::string, std::string> out;
    std::istringstream in(text);
    std::string line, section;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line[0] == '[') {
            section = line.substr(1, line.find(']') - 1);
            continue;
        }
        auto eq = line.find('=');
        REQUIRE(eq != std::string::npos);
        out.emplace(section + "." + line.substr(0, eq), line.substr(eq + 1));
    }
    return out;
}

std::map<std::string, std::string> generate(const char* procfile, const Manifest& m,
                                            std::map<std::string, int> counts = {}) {
    auto pf = paasrun::config::parse_procfile(procfile);
    REQUIRE(pf);
    auto plan = ex::make_plan(*pf, m, counts, ex::kAdminPort);
    REQUIRE(plan);
    auto units = ex::systemd_units(*plan, {"/srv/my app", "", "/usr/local/bin/paasrun"});
    REQUIRE(units);
    std::map<std::string, std::string> out;
    for (auto& f : *units) out[f.name] = f.content;
    return out;
}

std::string one(const std::multimap<std::string, std::string>& u, const std::string& key) {
    auto [a, b] = u.equal_range(key);
    REQUIRE(a != b);
    REQUIRE(std::next(a) == b);
    return a->second;
}

}  // namespace

TEST_CASE("systemd: foreman's layout, instances named by paasrun's ports", "[export][systemd]") {
    Manifest m;
    m.app_name = "gb";
    m.formation = {{"web", 2}, {"worker", 1}};
    auto units = generate("web: paasrun serve app:application\nworker: python3 worker.py\n", m);
    REQUIRE(units.size() == 4);
    REQUIRE(units.count("gb.target"));
    REQUIRE(units.count("gb-web@.service"));
    REQUIRE(units.count("gb-web@.socket"));
    REQUIRE(units.count("gb-worker@.service"));
    auto target = parse_unit(units["gb.target"]);
    auto p = [](std::size_t type, int i) {
        return paasrun::supervisor::port_for(ex::kBasePort, type, i);
    };
    CHECK(one(target, "Unit.Wants") == "gb-web@" + std::to_string(p(0, 1)) + ".socket gb-web@" +
                                           std::to_string(p(0, 2)) + ".socket gb-web@" +
                                           std::to_string(p(0, 1)) + ".service gb-web@" +
                                           std::to_string(p(0, 2)) + ".service gb-worker@" +
                                           std::to_string(p(1, 1)) + ".service");
    CHECK(one(target, "Install.WantedBy") == "multi-user.target");
}

TEST_CASE("systemd: services run paasrun run with the manifest's stop and restart settings",
          "[export][systemd]") {
    Manifest m;
    m.app_name = "gb";
    auto units = generate("web: paasrun serve app:application\nworker: echo \"$PORT\" 100%\n", m);
    auto worker = parse_unit(units["gb-worker@.service"]);
    CHECK(one(worker, "Service.ExecStart") ==
          "/usr/local/bin/paasrun run \"/srv/my app\" -- \"echo \\\"$$PORT\\\" 100%%\"");
    CHECK(one(worker, "Service.Environment") == "PORT=%i");
    CHECK(one(worker, "Service.User") == "gb");
    CHECK(one(worker, "Service.KillMode") == "mixed");
    CHECK(one(worker, "Service.TimeoutStopSec") ==
          std::to_string(static_cast<int>(Manifest{}.grace_period)));
    CHECK(one(worker, "Service.Restart") == "always");
    CHECK(one(worker, "Unit.PartOf") == "gb.target");
    // systemd takes WorkingDirectory= raw: quotes would be part of the path.
    CHECK(one(worker, "Service.WorkingDirectory") == "/srv/my app");
    // No readiness to report: Type=exec (a missing program fails the start).
    CHECK(one(worker, "Service.Type") == "exec");
    CHECK(worker.count("Service.NotifyAccess") == 0);
    // A crash loop keeps being retried, a few seconds apart, as paasrun start does.
    CHECK(one(worker, "Service.RestartSec") == std::to_string(ex::kMinRestartSeconds));
    CHECK(one(worker, "Unit.StartLimitIntervalSec") == "0");
    CHECK(one(worker, "Service.NoNewPrivileges") == "yes");
    CHECK(one(worker, "Service.PrivateTmp") == "yes");
    CHECK(one(worker, "Service.ProtectSystem") == "full");

    m.restart.policy = "on-failure";
    m.grace_period = 7.2;
    units = generate("web: paasrun serve app:application\n", m);
    auto web = parse_unit(units["gb-web@.service"]);
    CHECK(one(web, "Service.Restart") == "on-failure");
    CHECK(one(web, "Service.TimeoutStopSec") == "8");

    m.restart.initial_delay = 12.5;  // a longer first backoff than the minimum is kept
    units = generate("web: paasrun serve app:application\n", m);
    CHECK(one(parse_unit(units["gb-web@.service"]), "Service.RestartSec") == "13");
}

TEST_CASE("systemd: paasrun serve is Type=notify; its arbiter is the one that notifies",
          "[export][systemd]") {
    Manifest m;
    m.app_name = "gb";
    m.deploy.start_timeout = 45;
    auto units =
        generate("web: paasrun serve app:application\nqueue: exec paasrun serve q:app\n", m);
    for (const char* name : {"gb-web@.service", "gb-queue@.service"}) {
        auto u = parse_unit(units[name]);
        CHECK(one(u, "Service.Type") == "notify");
        // The main process is `paasrun run`; READY=1 comes from its child, serve's arbiter.
        CHECK(one(u, "Service.NotifyAccess") == "all");
        CHECK(one(u, "Service.TimeoutStartSec") == "45");
    }
}

TEST_CASE("systemd: % in the app dir is escaped, control characters are refused",
          "[export][systemd]") {
    auto pf = paasrun::config::parse_procfile("web: a\n");
    auto plan = ex::make_plan(*pf, Manifest{}, {}, ex::kAdminPort);
    REQUIRE(plan);
    auto units = ex::systemd_units(*plan, {"/srv/100%", "", "/usr/bin/paasrun"});
    REQUIRE(units);
    for (const auto& f : *units)
        if (f.name.find(".service") != std::string::npos)
            CHECK(one(parse_unit(f.content), "Service.WorkingDirectory") == "/srv/100%%");
    CHECK_FALSE(ex::systemd_units(*plan, {"/srv/a\nb", "", "/usr/bin/paasrun"}));
    CHECK_FALSE(ex::systemd_units(*plan, {"/srv/app", "bad user", "/usr/bin/paasrun"}));
}

TEST_CASE("systemd: socket activation only for a web type that runs paasrun serve",
          "[export][systemd]") {
    Manifest m;
    m.app_name = "gb";
    auto units = generate("web: paasrun serve app:application\n", m);
    auto sock = parse_unit(units["gb-web@.socket"]);
    CHECK(one(sock, "Socket.ListenStream") == "%i");
    CHECK(one(sock, "Socket.Backlog") == std::to_string(paasrun::worker::ServeOptions{}.backlog));
    auto web = parse_unit(units["gb-web@.service"]);
    CHECK(one(web, "Unit.Requires") == "gb-web@%i.socket");
    // systemd sets LISTEN_PID to paasrun run's pid; serve trusts LISTEN_FDS without it.
    CHECK(one(web, "Service.ExecStart")
              .rfind("/usr/bin/env -u LISTEN_PID /usr/local/bin/paasrun run ", 0) == 0);

    units = generate("web: gunicorn app:application\n", m);
    CHECK(units.count("gb-web@.socket") == 0);
    CHECK(parse_unit(units["gb-web@.service"]).count("Unit.Requires") == 0);
}

TEST_CASE("systemd: relative paths are refused", "[export][systemd]") {
    auto pf = paasrun::config::parse_procfile("web: a\n");
    auto plan = ex::make_plan(*pf, Manifest{}, {}, ex::kAdminPort);
    REQUIRE(plan);
    CHECK_FALSE(ex::systemd_units(*plan, {"srv/app", "", "/usr/bin/paasrun"}));
    CHECK_FALSE(ex::systemd_units(*plan, {"/srv/app", "", "paasrun"}));
    CHECK_FALSE(ex::systemd_units(*plan, {"/srv/app", "", "/opt/my bin/paasrun"}));
}

TEST_CASE("systemd: quoting for ExecStart", "[export][systemd]") {
    CHECK(ex::systemd_quote("a b") == "\"a b\"");
    CHECK(ex::systemd_quote("$HOME %i \"q\" \\") == "\"$$HOME %%i \\\"q\\\" \\\\\"");
}
