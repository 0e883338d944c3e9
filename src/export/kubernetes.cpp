#include "export/kubernetes.hpp"

#include <fmt/format.h>

#include "export/yaml_writer.hpp"

namespace paasrun::exporting {

namespace {

std::string image_of(const Plan& plan, const KubernetesOptions& opts) {
    return opts.image.empty() ? plan.app + ":latest" : opts.image;
}

Node labels(const Plan& plan, const std::string& component) {
    Node n;
    n.set("app.kubernetes.io/name", plan.app);
    n.set("app.kubernetes.io/component", component);
    return n;
}

Node metadata(const Plan& plan, const std::string& name, const std::string& component) {
    Node l = labels(plan, component);
    l.set("app.kubernetes.io/managed-by", "paasrun-export");
    Node m;
    m.set("name", name);
    m.set("labels", std::move(l));
    return m;
}

Node env_var(const std::string& name, const std::string& value) {
    Node e;
    e.set("name", name);
    e.set("value", value);
    return e;
}

// An exec probe: paasrun healthcheck against the loopback admin port.
Node probe(const Plan& plan, const std::string& path, std::int64_t period, std::int64_t failures) {
    auto timeout = std::max<std::int64_t>(1, ceil_seconds(plan.manifest.health.timeout));
    Node exec;
    exec.set("command", Node::strings({"paasrun", "healthcheck", "--timeout", std::to_string(timeout),
                                       fmt::format("http://127.0.0.1:{}{}", plan.admin_port, path)}));
    Node p;
    p.set("exec", std::move(exec));
    p.set("periodSeconds", Node(static_cast<std::int64_t>(period)));
    p.set("timeoutSeconds", Node(timeout));
    p.set("failureThreshold", Node(failures));
    return p;
}

Node resources(const KubernetesOptions& opts) {
    Node q;
    q.set("cpu", opts.resources.cpu);
    q.set("memory", opts.resources.memory);
    Node r;
    r.set("requests", q);
    r.set("limits", q);
    return r;
}

Node security_context() {
    Node caps;
    caps.set("drop", Node::strings({"ALL"}));
    Node s;
    s.set("runAsNonRoot", true);
    s.set("runAsUser", kImageUid);
    s.set("allowPrivilegeEscalation", false);
    s.set("capabilities", std::move(caps));
    return s;
}

Node container(const Plan& plan, const ProcessPlan& p, const KubernetesOptions& opts) {
    const auto& m = plan.manifest;
    Node c;
    c.set("name", p.type);
    c.set("image", image_of(plan, opts));
    c.set("command", Node::strings({"paasrun", "start", "--formation", fmt::format("all=0,{}=1", p.type)}));
    Node::List env{env_var("PORT", std::to_string(kBasePort)),
                   env_var("ADMIN_PORT", std::to_string(plan.admin_port))};
    if (p.web) env.push_back(env_var("WEB_CONCURRENCY", std::to_string(web_concurrency(m, opts.resources))));
    c.set("env", Node(std::move(env)));
    if (p.web) {
        Node port;
        port.set("name", "http");
        port.set("containerPort", p.port);
        port.set("protocol", "TCP");
        c.set("ports", Node(Node::List{port}));
    }
    c.set("resources", resources(opts));
    auto health_period = std::max<std::int64_t>(1, ceil_seconds(m.health.interval));
    if (p.web) {
        c.set("startupProbe", probe(plan, plan.health.startupz, kStartupPeriod, kStartupSeconds / kStartupPeriod));
        c.set("readinessProbe", probe(plan, plan.health.readyz, health_period, m.health.attempts));
    }
    c.set("livenessProbe", probe(plan, plan.health.livez, health_period, m.health.attempts));
    if (m.deploy.shutdown_delay > 0) {
        Node exec;
        exec.set("command", Node::strings({"sleep", std::to_string(ceil_seconds(m.deploy.shutdown_delay))}));
        Node pre;
        pre.set("exec", std::move(exec));
        Node lifecycle;
        lifecycle.set("preStop", std::move(pre));
        c.set("lifecycle", std::move(lifecycle));
    }
    c.set("securityContext", security_context());
    return c;
}

GeneratedFile deployment(const Plan& plan, const ProcessPlan& p, const KubernetesOptions& opts) {
    std::string name = fmt::format("{}-{}", plan.app, p.type);
    Node selector;
    selector.set("matchLabels", labels(plan, p.type));
    Node pod_meta;
    pod_meta.set("labels", labels(plan, p.type));
    Node pod;
    pod.set("terminationGracePeriodSeconds", Node(termination_grace_seconds(plan.manifest)));
    pod.set("containers", Node(Node::List{container(plan, p, opts)}));
    Node tmpl;
    tmpl.set("metadata", std::move(pod_meta));
    tmpl.set("spec", std::move(pod));
    Node rolling;
    // Like paasrun's own switch: the new pod is ready before an old one stops.
    rolling.set("maxSurge", 1);
    rolling.set("maxUnavailable", 0);
    Node strategy;
    strategy.set("type", "RollingUpdate");
    strategy.set("rollingUpdate", std::move(rolling));
    Node spec;
    spec.set("replicas", p.count);
    spec.set("selector", std::move(selector));
    spec.set("strategy", std::move(strategy));
    spec.set("template", std::move(tmpl));
    Node doc;
    doc.set("apiVersion", "apps/v1");
    doc.set("kind", "Deployment");
    doc.set("metadata", metadata(plan, name, p.type));
    doc.set("spec", std::move(spec));
    return {name + "-deployment.yaml", to_yaml(doc)};
}

GeneratedFile service(const Plan& plan, const ProcessPlan& p) {
    std::string name = fmt::format("{}-{}", plan.app, p.type);
    Node port;
    port.set("name", "http");
    port.set("port", 80);
    port.set("targetPort", "http");
    port.set("protocol", "TCP");
    Node spec;
    spec.set("type", "ClusterIP");
    spec.set("selector", labels(plan, p.type));
    spec.set("ports", Node(Node::List{port}));
    Node doc;
    doc.set("apiVersion", "v1");
    doc.set("kind", "Service");
    doc.set("metadata", metadata(plan, name, p.type));
    doc.set("spec", std::move(spec));
    return {name + "-service.yaml", to_yaml(doc)};
}

GeneratedFile release_job(const Plan& plan, const KubernetesOptions& opts) {
    std::string name = plan.app + "-release";
    Node c;
    c.set("name", "release");
    c.set("image", image_of(plan, opts));
    // `paasrun run` gives the command the app's environment and .profile.d, as the release
    // phase has; one argument is a shell command line.
    c.set("command", Node::strings({"paasrun", "run", "--", *plan.release}));
    c.set("resources", resources(opts));
    c.set("securityContext", security_context());
    Node pod;
    pod.set("restartPolicy", "Never");
    pod.set("containers", Node(Node::List{c}));
    Node pod_meta;
    pod_meta.set("labels", labels(plan, "release"));
    Node tmpl;
    tmpl.set("metadata", std::move(pod_meta));
    tmpl.set("spec", std::move(pod));
    Node spec;
    spec.set("backoffLimit", 0);  // a failed release phase fails the release; no retries
    spec.set("activeDeadlineSeconds", Node(ceil_seconds(plan.manifest.release_timeout)));
    spec.set("template", std::move(tmpl));
    Node doc;
    doc.set("apiVersion", "batch/v1");
    doc.set("kind", "Job");
    doc.set("metadata", metadata(plan, name, "release"));
    doc.set("spec", std::move(spec));
    return {name + "-job.yaml", to_yaml(doc)};
}

}  // namespace

std::int64_t termination_grace_seconds(const config::Manifest& manifest) {
    return ceil_seconds(manifest.deploy.shutdown_delay) + ceil_seconds(manifest.grace_period) + kStopMargin;
}

std::vector<GeneratedFile> kubernetes_manifests(const Plan& plan, const KubernetesOptions& opts) {
    std::vector<GeneratedFile> out;
    if (plan.release) out.push_back(release_job(plan, opts));
    for (const auto& p : plan.processes) out.push_back(deployment(plan, p, opts));
    for (const auto& p : plan.processes)
        if (p.web) out.push_back(service(plan, p));
    return out;
}

}  // namespace paasrun::exporting
