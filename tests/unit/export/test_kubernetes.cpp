#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <map>

#include "config/manifest.hpp"
#include "config/procfile.hpp"
#include "config/settings.hpp"
#include "export/kubernetes.hpp"
#include "supervisor/formation.hpp"

namespace ex = paasrun::exporting;
using paasrun::config::Manifest;

namespace {

struct Objects {
    std::map<std::string, YAML::Node> by_name;  // "<kind>/<name>"
    std::vector<std::string> order;
};

Objects generate(const char* procfile_text, const Manifest& m, std::map<std::string, int> counts = {},
                 const char* cpu = "1", const char* memory = "512Mi") {
    auto pf = paasrun::config::parse_procfile(procfile_text);
    REQUIRE(pf);
    auto plan = ex::make_plan(*pf, m, counts, ex::kAdminPort);
    REQUIRE(plan);
    auto res = ex::parse_resources(cpu, memory);
    REQUIRE(res);
    Objects out;
    for (const auto& f : ex::kubernetes_manifests(*plan, {"registry.example/guestbook:v7", *res})) {
        auto y = YAML::Load(f.content);
        auto key = y["kind"].as<std::string>() + "/" + y["metadata"]["name"].as<std::string>();
        out.by_name[key] = y;
        out.order.push_back(key);
    }
    return out;
}

const char* kProcfile = "web: paasrun serve app:application\nworker: python3 worker.py\nrelease: python3 migrate.py\n";

YAML::Node container_of(const YAML::Node& deployment) { return deployment["spec"]["template"]["spec"]["containers"][0]; }

std::string env_of(const YAML::Node& c, const std::string& name) {
    for (const auto& e : c["env"])
        if (e["name"].as<std::string>() == name) return e["value"].as<std::string>();
    return {};
}

std::string probe_url(const YAML::Node& probe) {
    auto cmd = probe["exec"]["command"];
    REQUIRE(cmd[0].as<std::string>() == "paasrun");
    REQUIRE(cmd[1].as<std::string>() == "healthcheck");
    return cmd[cmd.size() - 1].as<std::string>();
}

}  // namespace

TEST_CASE("kubernetes: a Deployment per process type, a Service for web, the release Job first",
          "[export][kubernetes]") {
    Manifest m;
    m.app_name = "guestbook";
    m.formation = {{"web", 3}, {"worker", 2}};
    auto o = generate(kProcfile, m);
    REQUIRE(o.order == std::vector<std::string>{"Job/guestbook-release", "Deployment/guestbook-web",
                                                 "Deployment/guestbook-worker", "Service/guestbook-web"});
    CHECK(o.by_name["Deployment/guestbook-web"]["spec"]["replicas"].as<int>() == 3);
    CHECK(o.by_name["Deployment/guestbook-worker"]["spec"]["replicas"].as<int>() == 2);
    auto web = container_of(o.by_name["Deployment/guestbook-web"]);
    CHECK(web["image"].as<std::string>() == "registry.example/guestbook:v7");
    auto sel = o.by_name["Deployment/guestbook-web"]["spec"]["selector"]["matchLabels"];
    auto pod_labels = o.by_name["Deployment/guestbook-web"]["spec"]["template"]["metadata"]["labels"];
    for (const auto& kv : sel) CHECK(pod_labels[kv.first.as<std::string>()].as<std::string>() == kv.second.as<std::string>());
    auto svc_sel = o.by_name["Service/guestbook-web"]["spec"]["selector"];
    for (const auto& kv : svc_sel) CHECK(pod_labels[kv.first.as<std::string>()].as<std::string>() == kv.second.as<std::string>());
}

TEST_CASE("kubernetes: each pod runs paasrun start with exactly one process of its type", "[export][kubernetes]") {
    auto pf = paasrun::config::parse_procfile(kProcfile);
    REQUIRE(pf);
    auto o = generate(kProcfile, Manifest{});
    int deployments = 0;
    for (const auto& [key, doc] : o.by_name) {
        if (doc["kind"].as<std::string>() != "Deployment") continue;
        auto cmd = container_of(doc)["command"];
        REQUIRE(cmd.size() == 4);
        CHECK(cmd[0].as<std::string>() == "paasrun");
        CHECK(cmd[1].as<std::string>() == "start");
        CHECK(cmd[2].as<std::string>() == "--formation");
        // The spec must be one `paasrun start` accepts and must expand to one process.
        auto counts = paasrun::config::parse_formation(cmd[3].as<std::string>());
        REQUIRE(counts);
        auto procs = paasrun::supervisor::expand_formation(*pf, *counts, ex::kBasePort);
        REQUIRE(procs.size() == 1);
        CHECK(procs[0].type == container_of(doc)["name"].as<std::string>());
        ++deployments;
    }
    CHECK(deployments == 2);
}

TEST_CASE("kubernetes: probes use paasrun's health routes on the admin port the pod sets", "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    auto o = generate(kProcfile, m);
    auto web = container_of(o.by_name["Deployment/a-web"]);
    auto health = ex::health_paths();
    auto base = "http://127.0.0.1:" + env_of(web, "ADMIN_PORT");
    CHECK(env_of(web, "ADMIN_PORT") == std::to_string(ex::kAdminPort));
    CHECK(probe_url(web["livenessProbe"]) == base + health.livez);
    CHECK(probe_url(web["readinessProbe"]) == base + health.readyz);
    CHECK(probe_url(web["startupProbe"]) == base + health.startupz);
    // The manifest's health section decides the readiness cadence, as it does for paasrun.
    CHECK(web["readinessProbe"]["periodSeconds"].as<int>() == static_cast<int>(Manifest{}.health.interval));
    CHECK(web["readinessProbe"]["timeoutSeconds"].as<int>() == static_cast<int>(Manifest{}.health.timeout));
    CHECK(web["readinessProbe"]["failureThreshold"].as<int>() == Manifest{}.health.attempts);
    // Non-web pods have no ready web worker to report: liveness only.
    auto worker = container_of(o.by_name["Deployment/a-worker"]);
    CHECK(probe_url(worker["livenessProbe"]) == base + health.livez);
    CHECK_FALSE(worker["readinessProbe"].IsDefined());
    CHECK_FALSE(worker["startupProbe"].IsDefined());
    CHECK_FALSE(worker["ports"].IsDefined());
}

TEST_CASE("kubernetes: the web port is the PORT paasrun start gives web.1", "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    // web is the second type: foreman's rule puts it at base + 100.
    auto o = generate("worker: python3 w.py\nweb: paasrun serve app:application\n", m);
    auto web = container_of(o.by_name["Deployment/a-web"]);
    auto pf = paasrun::config::parse_procfile("worker: python3 w.py\nweb: paasrun serve app:application\n");
    auto procs = paasrun::supervisor::expand_formation(*pf, {{"all", 0}, {"web", 1}},
                                                       std::stoi(env_of(web, "PORT")));
    REQUIRE(procs.size() == 1);
    CHECK(web["ports"][0]["containerPort"].as<int>() == procs[0].port);
    CHECK(web["ports"][0]["name"].as<std::string>() == "http");
    CHECK(o.by_name["Service/a-web"]["spec"]["ports"][0]["targetPort"].as<std::string>() == "http");
}

TEST_CASE("kubernetes: grace period and preStop follow the manifest's drain", "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    auto o = generate(kProcfile, m);
    auto spec = o.by_name["Deployment/a-web"]["spec"]["template"]["spec"];
    // Defaults: no shutdown_delay, so no preStop; paasrun's grace period plus the margin.
    CHECK(spec["terminationGracePeriodSeconds"].as<int>() == static_cast<int>(Manifest{}.grace_period) + ex::kStopMargin);
    CHECK_FALSE(container_of(o.by_name["Deployment/a-web"])["lifecycle"].IsDefined());

    m.grace_period = 12.5;
    m.deploy.shutdown_delay = 3;
    o = generate(kProcfile, m);
    spec = o.by_name["Deployment/a-web"]["spec"]["template"]["spec"];
    CHECK(spec["terminationGracePeriodSeconds"].as<int>() == 3 + 13 + ex::kStopMargin);
    auto pre = container_of(o.by_name["Deployment/a-web"])["lifecycle"]["preStop"]["exec"]["command"];
    CHECK(pre[0].as<std::string>() == "sleep");
    CHECK(pre[1].as<std::string>() == "3");
}

TEST_CASE("kubernetes: resources, WEB_CONCURRENCY and the release Job", "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    auto o = generate(kProcfile, m, {}, "2", "512Mi");
    auto web = container_of(o.by_name["Deployment/a-web"]);
    CHECK(web["resources"]["limits"]["cpu"].as<std::string>() == "2");
    CHECK(web["resources"]["limits"]["memory"].as<std::string>() == "512Mi");
    CHECK(env_of(web, "WEB_CONCURRENCY") == "4");
    CHECK(env_of(container_of(o.by_name["Deployment/a-worker"]), "WEB_CONCURRENCY").empty());
    CHECK(web["securityContext"]["runAsUser"].as<int>() == ex::kImageUid);

    auto job = o.by_name["Job/a-release"];
    CHECK(job["spec"]["activeDeadlineSeconds"].as<int>() == static_cast<int>(Manifest{}.release_timeout));
    CHECK(job["spec"]["backoffLimit"].as<int>() == 0);
    auto cmd = job["spec"]["template"]["spec"]["containers"][0]["command"];
    CHECK(cmd[0].as<std::string>() == "paasrun");
    CHECK(cmd[1].as<std::string>() == "run");
    CHECK(cmd[3].as<std::string>() == "python3 migrate.py");

    auto none = generate("web: paasrun serve app:application\n", m);
    CHECK(none.by_name.count("Job/a-release") == 0);
}
