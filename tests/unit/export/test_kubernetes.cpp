#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
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

const char* kImage = "registry.example/guestbook:v7";

Objects generate_with(const char* procfile_text, const Manifest& m, ex::KubernetesOptions opts,
                      std::map<std::string, int> counts = {}) {
    auto pf = paasrun::config::parse_procfile(procfile_text);
    REQUIRE(pf);
    auto plan = ex::make_plan(*pf, m, counts, ex::kAdminPort);
    REQUIRE(plan);
    auto files = ex::kubernetes_manifests(*plan, opts);
    REQUIRE(files);
    Objects out;
    for (const auto& f : *files) {
        auto y = YAML::Load(f.content);
        auto key = y["kind"].as<std::string>() + "/" + y["metadata"]["name"].as<std::string>();
        out.by_name[key] = y;
        out.order.push_back(key);
    }
    return out;
}

Objects generate(const char* procfile_text, const Manifest& m,
                 std::map<std::string, int> counts = {}, const char* cpu = "1",
                 const char* memory = "512Mi") {
    auto res = ex::parse_resources(cpu, memory);
    REQUIRE(res);
    return generate_with(procfile_text, m, {kImage, *res, {}, {}}, std::move(counts));
}

const char* kProcfile =
    "web: paasrun serve app:application\nworker: python3 worker.py\nrelease: python3 migrate.py\n";

YAML::Node container_of(const YAML::Node& deployment) {
    return deployment["spec"]["template"]["spec"]["containers"][0];
}

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
    auto job = "Job/" + ex::release_job_name("guestbook", kImage, "python3 migrate.py");
    REQUIRE(o.order ==
            std::vector<std::string>{"Secret/guestbook-config", job, "Deployment/guestbook-web",
                                     "Deployment/guestbook-worker", "Service/guestbook-web"});
    CHECK(o.by_name["Deployment/guestbook-web"]["spec"]["replicas"].as<int>() == 3);
    CHECK(o.by_name["Deployment/guestbook-worker"]["spec"]["replicas"].as<int>() == 2);
    auto web = container_of(o.by_name["Deployment/guestbook-web"]);
    CHECK(web["image"].as<std::string>() == "registry.example/guestbook:v7");
    auto sel = o.by_name["Deployment/guestbook-web"]["spec"]["selector"]["matchLabels"];
    auto pod_labels =
        o.by_name["Deployment/guestbook-web"]["spec"]["template"]["metadata"]["labels"];
    for (const auto& kv : sel)
        CHECK(pod_labels[kv.first.as<std::string>()].as<std::string>() ==
              kv.second.as<std::string>());
    auto svc_sel = o.by_name["Service/guestbook-web"]["spec"]["selector"];
    for (const auto& kv : svc_sel)
        CHECK(pod_labels[kv.first.as<std::string>()].as<std::string>() ==
              kv.second.as<std::string>());
}

TEST_CASE("kubernetes: each pod runs paasrun start with exactly one process of its type",
          "[export][kubernetes]") {
    auto pf = paasrun::config::parse_procfile(kProcfile);
    REQUIRE(pf);
    Manifest m;
    m.app_name = "a";
    auto o = generate(kProcfile, m);
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

TEST_CASE("kubernetes: probes use paasrun's health routes on the admin port the pod sets",
          "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    auto o = generate(kProcfile, m);
    auto web = container_of(o.by_name["Deployment/a-web"]);
    auto health = ex::health_paths();
    auto base = "http://127.0.0.1:" + env_of(web, "ADMIN_PORT");
    CHECK(env_of(web, "ADMIN_PORT") == std::to_string(ex::kAdminPort));
    CHECK(probe_url(web["livenessProbe"]) == base + health.livez);
    CHECK(probe_url(web["readinessProbe"]) == base + health.readyz);  // no health.path: /readyz
    CHECK(probe_url(web["startupProbe"]) == base + health.startupz);
    // The manifest's health section decides the readiness cadence, as it does for paasrun.
    CHECK(web["readinessProbe"]["periodSeconds"].as<int>() ==
          static_cast<int>(Manifest{}.health.interval));
    CHECK(web["readinessProbe"]["timeoutSeconds"].as<int>() ==
          static_cast<int>(Manifest{}.health.timeout));
    CHECK(web["readinessProbe"]["failureThreshold"].as<int>() == Manifest{}.health.attempts);
    // Non-web pods have no ready web worker to report: liveness only.
    auto worker = container_of(o.by_name["Deployment/a-worker"]);
    CHECK(probe_url(worker["livenessProbe"]) == base + health.livez);
    CHECK_FALSE(worker["readinessProbe"].IsDefined());
    CHECK_FALSE(worker["startupProbe"].IsDefined());
    CHECK_FALSE(worker["ports"].IsDefined());
}

TEST_CASE("kubernetes: the web port is the PORT paasrun start gives web.1",
          "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    // web is the second type: foreman's rule puts it at base + 100.
    auto o = generate("worker: python3 w.py\nweb: paasrun serve app:application\n", m);
    auto web = container_of(o.by_name["Deployment/a-web"]);
    auto pf = paasrun::config::parse_procfile(
        "worker: python3 w.py\nweb: paasrun serve app:application\n");
    auto procs = paasrun::supervisor::expand_formation(*pf, {{"all", 0}, {"web", 1}},
                                                       std::stoi(env_of(web, "PORT")));
    REQUIRE(procs.size() == 1);
    CHECK(web["ports"][0]["containerPort"].as<int>() == procs[0].port);
    CHECK(web["ports"][0]["name"].as<std::string>() == "http");
    CHECK(o.by_name["Service/a-web"]["spec"]["ports"][0]["targetPort"].as<std::string>() == "http");
}

TEST_CASE("kubernetes: grace period and preStop follow the manifest's drain",
          "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    auto o = generate(kProcfile, m);
    auto spec = o.by_name["Deployment/a-web"]["spec"]["template"]["spec"];
    // Defaults: no shutdown_delay, yet web pods sleep kPreStopSeconds so the endpoint removal
    // reaches the load balancers before paasrun stops accepting.
    CHECK(spec["terminationGracePeriodSeconds"].as<int>() ==
          ex::kPreStopSeconds + static_cast<int>(Manifest{}.grace_period) + ex::kStopMargin);
    auto pre0 =
        container_of(o.by_name["Deployment/a-web"])["lifecycle"]["preStop"]["exec"]["command"];
    CHECK(pre0[0].as<std::string>() == "sleep");
    CHECK(pre0[1].as<std::string>() == std::to_string(ex::kPreStopSeconds));
    // A worker has no endpoints to leave: no preStop, paasrun's grace period plus the margin.
    CHECK_FALSE(container_of(o.by_name["Deployment/a-worker"])["lifecycle"].IsDefined());
    CHECK(o.by_name["Deployment/a-worker"]["spec"]["template"]["spec"]
                   ["terminationGracePeriodSeconds"]
                       .as<int>() == static_cast<int>(Manifest{}.grace_period) + ex::kStopMargin);

    m.grace_period = 12.5;
    m.deploy.shutdown_delay = 3;
    o = generate(kProcfile, m);
    spec = o.by_name["Deployment/a-web"]["spec"]["template"]["spec"];
    CHECK(spec["terminationGracePeriodSeconds"].as<int>() == 3 + 13 + ex::kStopMargin);
    auto pre =
        container_of(o.by_name["Deployment/a-web"])["lifecycle"]["preStop"]["exec"]["command"];
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

    auto job = o.by_name["Job/" + ex::release_job_name("a", kImage, "python3 migrate.py")];
    CHECK(job["spec"]["activeDeadlineSeconds"].as<int>() ==
          static_cast<int>(Manifest{}.release_timeout));
    CHECK(job["spec"]["backoffLimit"].as<int>() == 0);
    auto cmd = job["spec"]["template"]["spec"]["containers"][0]["command"];
    CHECK(cmd[0].as<std::string>() == "paasrun");
    CHECK(cmd[1].as<std::string>() == "run");
    CHECK(cmd[3].as<std::string>() == "python3 migrate.py");

    auto none = generate("web: paasrun serve app:application\n", m);
    for (const auto& key : none.order) CHECK(key.rfind("Job/", 0) == std::string::npos);
}

TEST_CASE("kubernetes: the app's health path is the readiness probe", "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    m.health.path = "/healthz";
    m.health.interval = 4;
    auto o = generate(kProcfile, m);
    auto ready = container_of(o.by_name["Deployment/a-web"])["readinessProbe"];
    CHECK(ready["httpGet"]["path"].as<std::string>() == "/healthz");
    CHECK(ready["httpGet"]["port"].as<std::string>() == "http");  // the port the Service targets
    CHECK(ready["periodSeconds"].as<int>() == 4);
    CHECK_FALSE(ready["exec"].IsDefined());
}

TEST_CASE("kubernetes: every pod meets Pod Security restricted", "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    auto o = generate(kProcfile, m);
    int pods = 0;
    for (const auto& [key, doc] : o.by_name) {
        auto kind = doc["kind"].as<std::string>();
        if (kind != "Deployment" && kind != "Job") continue;
        ++pods;
        auto pod = doc["spec"]["template"]["spec"];
        CHECK(pod["securityContext"]["runAsNonRoot"].as<bool>());
        CHECK(pod["securityContext"]["seccompProfile"]["type"].as<std::string>() ==
              "RuntimeDefault");
        CHECK(pod["securityContext"]["runAsUser"].as<int>() == ex::kImageUid);
        for (const auto& c : pod["containers"]) {
            auto sc = c["securityContext"];
            CHECK_FALSE(sc["allowPrivilegeEscalation"].as<bool>());
            CHECK(sc["capabilities"]["drop"][0].as<std::string>() == "ALL");
            CHECK_FALSE(sc["capabilities"]["add"].IsDefined());
            CHECK(sc["seccompProfile"]["type"].as<std::string>() == "RuntimeDefault");
            CHECK(sc["runAsNonRoot"].as<bool>());
        }
    }
    CHECK(pods == 3);  // two Deployments and the release Job
}

TEST_CASE("kubernetes: config vars are a Secret read with envFrom; a change rolls the pods",
          "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    auto res = ex::parse_resources("1", "512Mi");
    REQUIRE(res);
    auto o = generate_with(kProcfile, m,
                           {kImage, *res, {{"DATABASE_URL", "postgres://x"}, {"DEBUG", "0"}}, {}});
    auto secret = o.by_name["Secret/a-config"];
    CHECK(secret["stringData"]["DATABASE_URL"].as<std::string>() == "postgres://x");
    CHECK(secret["stringData"]["DEBUG"].as<std::string>() == "0");
    for (const auto& key : {std::string("Deployment/a-web"), std::string("Deployment/a-worker"),
                            "Job/" + ex::release_job_name("a", kImage, "python3 migrate.py")}) {
        auto c = container_of(o.by_name[key]);
        CHECK(c["envFrom"][0]["secretRef"]["name"].as<std::string>() == "a-config");
        CHECK(env_of(c, "DATABASE_URL").empty());  // never baked into the pod spec
    }
    auto digest = [](Objects& x) {
        return x
            .by_name["Deployment/a-web"]["spec"]["template"]["metadata"]["annotations"]
                    [ex::kConfigDigestAnnotation]
            .as<std::string>();
    };
    auto changed = generate_with(
        kProcfile, m, {kImage, *res, {{"DATABASE_URL", "postgres://y"}, {"DEBUG", "0"}}, {}});
    auto same = generate_with(
        kProcfile, m, {kImage, *res, {{"DATABASE_URL", "postgres://x"}, {"DEBUG", "0"}}, {}});
    CHECK(digest(o).size() == 64);
    CHECK(digest(o) != digest(changed));
    CHECK(digest(o) == digest(same));
}

TEST_CASE("kubernetes: the release Job is named per image and command", "[export][kubernetes]") {
    auto a = ex::release_job_name("gb", "r/gb:1", "python3 migrate.py");
    CHECK(a.rfind("gb-release-", 0) == 0);
    CHECK(a.size() == std::string("gb-release-").size() + 10);
    CHECK(a ==
          ex::release_job_name("gb", "r/gb:1", "python3 migrate.py"));  // re-apply: the same Job
    CHECK(a != ex::release_job_name("gb", "r/gb:2", "python3 migrate.py"));  // new image: a new Job
    CHECK(a != ex::release_job_name("gb", "r/gb:1", "python3 migrate2.py"));
    Manifest m;
    m.app_name = "a";
    auto o = generate(kProcfile, m);
    auto job = o.by_name["Job/" + ex::release_job_name("a", kImage, "python3 migrate.py")];
    CHECK(job["spec"]["ttlSecondsAfterFinished"].as<int>() == ex::kReleaseJobTtl);
}

TEST_CASE("kubernetes: a data volume claim is created, mounted and named by PAASRUN_DATA_DIR",
          "[export][kubernetes]") {
    Manifest m;
    m.app_name = "a";
    auto res = ex::parse_resources("1", "512Mi");
    REQUIRE(res);
    auto o = generate_with(kProcfile, m, {kImage, *res, {}, {"a-data", "5Gi", "ReadWriteOnce"}});
    auto pvc = o.by_name["PersistentVolumeClaim/a-data"];
    CHECK(pvc["spec"]["resources"]["requests"]["storage"].as<std::string>() == "5Gi");
    CHECK(pvc["spec"]["accessModes"][0].as<std::string>() == "ReadWriteOnce");
    for (const auto& key : {std::string("Deployment/a-web"), std::string("Deployment/a-worker"),
                            "Job/" + ex::release_job_name("a", kImage, "python3 migrate.py")}) {
        auto pod = o.by_name[key]["spec"]["template"]["spec"];
        CHECK(pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as<std::string>() ==
              "a-data");
        auto c = pod["containers"][0];
        CHECK(c["volumeMounts"][0]["name"].as<std::string>() ==
              pod["volumes"][0]["name"].as<std::string>());
        CHECK(c["volumeMounts"][0]["mountPath"].as<std::string>() == ex::kDataMountPath);
        CHECK(env_of(c, "PAASRUN_DATA_DIR") == ex::kDataMountPath);
        CHECK(pod["securityContext"]["fsGroup"].as<int>() == ex::kImageUid);
    }
    // One node at a time can attach a ReadWriteOnce volume: no surge pod elsewhere.
    CHECK(o.by_name["Deployment/a-web"]["spec"]["strategy"]["type"].as<std::string>() ==
          "Recreate");
    auto many = generate_with(kProcfile, m, {kImage, *res, {}, {"a-data", "5Gi", "ReadWriteMany"}});
    CHECK(many.by_name["Deployment/a-web"]["spec"]["strategy"]["type"].as<std::string>() ==
          "RollingUpdate");
    // Without a claim: no volume, no PAASRUN_DATA_DIR.
    auto none = generate(kProcfile, m);
    CHECK_FALSE(
        none.by_name["Deployment/a-web"]["spec"]["template"]["spec"]["volumes"].IsDefined());
    CHECK(env_of(container_of(none.by_name["Deployment/a-web"]), "PAASRUN_DATA_DIR").empty());
}

TEST_CASE("kubernetes: names Kubernetes would refuse are errors", "[export][kubernetes]") {
    CHECK(*ex::kube_name("My_App.v2") == "my-app-v2");
    CHECK_FALSE(ex::kube_name("2fast"));
    CHECK_FALSE(ex::kube_name(std::string(64, 'a')));
    CHECK_FALSE(ex::kube_name("a-"));
    auto pf = paasrun::config::parse_procfile(kProcfile);
    REQUIRE(pf);
    Manifest m;
    m.app_name = "9lives";
    auto plan = ex::make_plan(*pf, m, {}, ex::kAdminPort);
    REQUIRE(plan);
    auto res = ex::parse_resources("1", "512Mi");
    REQUIRE(res);
    auto r = ex::kubernetes_manifests(*plan, {kImage, *res, {}, {}});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("9lives") != std::string::npos);
    plan->app = "ok";
    CHECK_FALSE(
        ex::kubernetes_manifests(*plan, {kImage, *res, {}, {"Bad_Claim", "1Gi", "ReadWriteOnce"}}));
    CHECK_FALSE(
        ex::kubernetes_manifests(*plan, {kImage, *res, {}, {"data", "lots", "ReadWriteOnce"}}));
    CHECK_FALSE(
        ex::kubernetes_manifests(*plan, {kImage, *res, {}, {"data", "1Gi", "ReadOnlyMany"}}));
    CHECK(ex::kubernetes_manifests(*plan, {kImage, *res, {}, {"data", "1Gi", "ReadWriteOnce"}}));
}
