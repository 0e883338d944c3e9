#include "export/kubernetes.hpp"

#include <fmt/format.h>

#include "build/sha256.hpp"
#include "export/yaml_writer.hpp"

namespace paasrun::exporting {

namespace {

// The names every object of one export uses, checked once.
struct Names {
    std::string app;     // DNS label of the app name
    std::string secret;  // APP-config
};

std::string image_of(const Plan& plan, const KubernetesOptions& opts) {
    return opts.image.empty() ? plan.app + ":latest" : opts.image;
}

Node labels(const Plan& plan, const std::string& component) {
    Node n;
    n.set("app.kubernetes.io/name", plan.app);  // label values allow the app name as written
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

std::int64_t probe_timeout(const Plan& plan) {
    return std::max<std::int64_t>(1, ceil_seconds(plan.manifest.health.timeout));
}

Node probe_timing(Node p, const Plan& plan, std::int64_t period, std::int64_t failures) {
    p.set("periodSeconds", Node(period));
    p.set("timeoutSeconds", Node(probe_timeout(plan)));
    p.set("failureThreshold", Node(failures));
    return p;
}

// An exec probe: paasrun healthcheck against the loopback admin port.
Node admin_probe(const Plan& plan, const std::string& path, std::int64_t period,
                 std::int64_t failures) {
    Node exec;
    exec.set(
        "command",
        Node::strings({"paasrun", "healthcheck", "--timeout", std::to_string(probe_timeout(plan)),
                       fmt::format("http://127.0.0.1:{}{}", plan.admin_port, path)}));
    Node p;
    p.set("exec", std::move(exec));
    return probe_timing(std::move(p), plan, period, failures);
}

// The app's own health path on the port the Service sends traffic to.
Node app_probe(const Plan& plan, std::int64_t period, std::int64_t failures) {
    Node get;
    get.set("path", plan.manifest.health.path);
    get.set("port", "http");
    Node p;
    p.set("httpGet", std::move(get));
    return probe_timing(std::move(p), plan, period, failures);
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

Node seccomp() {
    Node s;
    s.set("type", "RuntimeDefault");
    return s;
}

// Pod Security "restricted" at both levels: the pod's defaults, and the container fields the
// standard checks on each container.
Node pod_security_context() {
    Node s;
    s.set("runAsNonRoot", true);
    s.set("runAsUser", kImageUid);
    s.set("runAsGroup", kImageUid);
    s.set("fsGroup", kImageUid);  // a data volume is writable by the image's user
    s.set("seccompProfile", seccomp());
    return s;
}

Node container_security_context() {
    Node caps;
    caps.set("drop", Node::strings({"ALL"}));
    Node s;
    s.set("runAsNonRoot", true);
    s.set("runAsUser", kImageUid);
    s.set("allowPrivilegeEscalation", false);
    s.set("capabilities", std::move(caps));
    s.set("seccompProfile", seccomp());
    return s;
}

// Config vars (envFrom the Secret) and the data volume's mount: the same in every container.
void add_app_environment(Node& c, Node::List env, const Names& names,
                         const KubernetesOptions& opts) {
    if (!opts.data.claim.empty()) env.push_back(env_var("PAASRUN_DATA_DIR", kDataMountPath));
    c.set("env", Node(std::move(env)));
    Node ref;
    ref.set("name", names.secret);
    Node from;
    from.set("secretRef", std::move(ref));
    c.set("envFrom", Node(Node::List{from}));
    if (!opts.data.claim.empty()) {
        Node mount;
        mount.set("name", "data");
        mount.set("mountPath", kDataMountPath);
        c.set("volumeMounts", Node(Node::List{mount}));
    }
}

void add_data_volume(Node& pod, const KubernetesOptions& opts) {
    if (opts.data.claim.empty()) return;
    Node claim;
    claim.set("claimName", opts.data.claim);
    Node v;
    v.set("name", "data");
    v.set("persistentVolumeClaim", std::move(claim));
    pod.set("volumes", Node(Node::List{v}));
}

Node container(const Plan& plan, const ProcessPlan& p, const Names& names,
               const std::string& kind_name, const KubernetesOptions& opts) {
    const auto& m = plan.manifest;
    Node c;
    c.set("name", kind_name);
    c.set("image", image_of(plan, opts));
    c.set("command",
          Node::strings({"paasrun", "start", "--formation", fmt::format("all=0,{}=1", p.type)}));
    Node::List env{env_var("PORT", std::to_string(kBasePort)),
                   env_var("ADMIN_PORT", std::to_string(plan.admin_port))};
    if (p.web)
        env.push_back(
            env_var("WEB_CONCURRENCY", std::to_string(web_concurrency(m, opts.resources))));
    add_app_environment(c, std::move(env), names, opts);
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
        c.set("startupProbe", admin_probe(plan, plan.health.startupz, kStartupPeriod,
                                          kStartupSeconds / kStartupPeriod));
        c.set("readinessProbe",
              m.health.path.empty()
                  ? admin_probe(plan, plan.health.readyz, health_period, m.health.attempts)
                  : app_probe(plan, health_period, m.health.attempts));
    }
    c.set("livenessProbe", admin_probe(plan, plan.health.livez, health_period, m.health.attempts));
    if (p.web) {
        Node exec;
        exec.set("command", Node::strings({"sleep", std::to_string(prestop_seconds(m))}));
        Node pre;
        pre.set("exec", std::move(exec));
        Node lifecycle;
        lifecycle.set("preStop", std::move(pre));
        c.set("lifecycle", std::move(lifecycle));
    }
    c.set("securityContext", container_security_context());
    return c;
}

std::string config_digest(const KubernetesOptions& opts) {
    build::Sha256 h;
    for (const auto& [k, v] : opts.config_vars) {
        h.update(k);
        h.update(std::string_view("=", 1));
        h.update(v);
        h.update(std::string_view("\0", 1));
    }
    return h.hex_digest();
}

GeneratedFile deployment(const Plan& plan, const ProcessPlan& p, const Names& names,
                         const std::string& kind_name, const KubernetesOptions& opts) {
    std::string name = fmt::format("{}-{}", names.app, kind_name);
    Node selector;
    selector.set("matchLabels", labels(plan, p.type));
    Node annotations;
    annotations.set(kConfigDigestAnnotation, config_digest(opts));
    Node pod_meta;
    pod_meta.set("labels", labels(plan, p.type));
    pod_meta.set("annotations", std::move(annotations));
    Node pod;
    pod.set("terminationGracePeriodSeconds", Node(termination_grace_seconds(plan.manifest, p.web)));
    pod.set("securityContext", pod_security_context());
    pod.set("containers", Node(Node::List{container(plan, p, names, kind_name, opts)}));
    add_data_volume(pod, opts);
    Node tmpl;
    tmpl.set("metadata", std::move(pod_meta));
    tmpl.set("spec", std::move(pod));
    Node strategy;
    if (!opts.data.claim.empty() && opts.data.access_mode != "ReadWriteMany") {
        strategy.set("type", "Recreate");  // the volume attaches to one node at a time
    } else {
        Node rolling;
        // Like paasrun's own switch: the new pod is ready before an old one stops.
        rolling.set("maxSurge", 1);
        rolling.set("maxUnavailable", 0);
        strategy.set("type", "RollingUpdate");
        strategy.set("rollingUpdate", std::move(rolling));
    }
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

GeneratedFile service(const Plan& plan, const ProcessPlan& p, const Names& names,
                      const std::string& kind_name) {
    std::string name = fmt::format("{}-{}", names.app, kind_name);
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

GeneratedFile release_job(const Plan& plan, const Names& names, const KubernetesOptions& opts) {
    std::string name = release_job_name(names.app, image_of(plan, opts), *plan.release);
    Node c;
    c.set("name", "release");
    c.set("image", image_of(plan, opts));
    // `paasrun run` gives the command the app's environment and .profile.d, as the release
    // phase has; one argument is a shell command line.
    c.set("command", Node::strings({"paasrun", "run", "--", *plan.release}));
    add_app_environment(c, {}, names, opts);
    c.set("resources", resources(opts));
    c.set("securityContext", container_security_context());
    Node pod;
    pod.set("restartPolicy", "Never");
    pod.set("securityContext", pod_security_context());
    pod.set("containers", Node(Node::List{c}));
    add_data_volume(pod, opts);
    Node pod_meta;
    pod_meta.set("labels", labels(plan, "release"));
    Node tmpl;
    tmpl.set("metadata", std::move(pod_meta));
    tmpl.set("spec", std::move(pod));
    Node spec;
    spec.set("backoffLimit", 0);  // a failed release phase fails the release; no retries
    spec.set("activeDeadlineSeconds", Node(ceil_seconds(plan.manifest.release_timeout)));
    spec.set("ttlSecondsAfterFinished", kReleaseJobTtl);
    spec.set("template", std::move(tmpl));
    Node doc;
    doc.set("apiVersion", "batch/v1");
    doc.set("kind", "Job");
    doc.set("metadata", metadata(plan, name, "release"));
    doc.set("spec", std::move(spec));
    // One file name whatever the image: a re-export into the same directory replaces it.
    return {names.app + "-release-job.yaml", to_yaml(doc)};
}

GeneratedFile config_secret(const Plan& plan, const Names& names, const KubernetesOptions& opts) {
    Node data;
    for (const auto& [k, v] : opts.config_vars) data.set(k, v);
    Node doc;
    doc.set("apiVersion", "v1");
    doc.set("kind", "Secret");
    doc.set("metadata", metadata(plan, names.secret, "config"));
    doc.set("type", "Opaque");
    doc.set("stringData", std::move(data));
    return {names.secret + "-secret.yaml", to_yaml(doc), 0600};
}

GeneratedFile data_claim(const Plan& plan, const KubernetesOptions& opts) {
    Node storage;
    storage.set("storage", opts.data.size);
    Node res;
    res.set("requests", std::move(storage));
    Node spec;
    spec.set("accessModes", Node::strings({opts.data.access_mode}));
    spec.set("resources", std::move(res));
    Node doc;
    doc.set("apiVersion", "v1");
    doc.set("kind", "PersistentVolumeClaim");
    doc.set("metadata", metadata(plan, opts.data.claim, "data"));
    doc.set("spec", std::move(spec));
    return {opts.data.claim + "-pvc.yaml", to_yaml(doc)};
}

// DNS-1123 subdomain rules for a claim name users type: lowercase alphanumerics and '-'.
bool valid_claim_name(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    for (char c : s)
        if (!alnum(c) && c != '-' && c != '.') return false;
    return alnum(s.front()) && alnum(s.back());
}

}  // namespace

Result<std::string> kube_name(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (c >= 'A' && c <= 'Z')
            out += static_cast<char>(c - 'A' + 'a');
        else if (c == '_' || c == '.')
            out += '-';
        else
            out += c;
    }
    bool ok = !out.empty() && out.size() <= 63 && out.front() >= 'a' && out.front() <= 'z' &&
              out.back() != '-';
    for (char c : out) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    if (!ok)
        return Error(fmt::format(
            "\"{}\" cannot name a Kubernetes object: it must start with a letter and hold "
            "only letters, digits, '-', '_' or '.' (at most 63)",
            name));
    return out;
}

std::string release_job_name(const std::string& app, const std::string& image,
                             const std::string& command) {
    return fmt::format("{}-release-{}", app,
                       build::sha256_hex(image + '\n' + command).substr(0, 10));
}

std::int64_t prestop_seconds(const config::Manifest& manifest) {
    auto d = ceil_seconds(manifest.deploy.shutdown_delay);
    return d > 0 ? d : kPreStopSeconds;
}

std::int64_t termination_grace_seconds(const config::Manifest& manifest, bool web) {
    return (web ? prestop_seconds(manifest) : 0) + ceil_seconds(manifest.grace_period) +
           kStopMargin;
}

Result<std::vector<GeneratedFile>> kubernetes_manifests(const Plan& plan,
                                                        const KubernetesOptions& opts) {
    auto app = kube_name(plan.app);
    if (!app) return Error(fmt::format("app name: {}", app.error().message));
    Names names{*app, *app + "-config"};
    // Every name must stay a DNS label: "<app>-<type>" and "<app>-release-<10 hex>".
    if (plan.release && names.app.size() + 19 > 63)
        return Error(fmt::format(
            "the app name \"{}\" is too long for the release Job's name (at most 44 characters)",
            plan.app));
    std::vector<std::string> types;
    for (const auto& p : plan.processes) {
        auto t = kube_name(p.type);
        if (!t) return Error(fmt::format("process type: {}", t.error().message));
        if (names.app.size() + 1 + t->size() > 63)
            return Error(fmt::format(
                "\"{}-{}\" is longer than the 63 characters of a Kubernetes name", names.app, *t));
        types.push_back(*t);
    }
    if (!opts.data.claim.empty()) {
        if (!valid_claim_name(opts.data.claim))
            return Error(fmt::format(
                "the volume claim name \"{}\" must be lowercase letters, digits, '-' and '.'",
                opts.data.claim));
        if (auto size = parse_memory_quantity(opts.data.size); !size)
            return Error(fmt::format("data volume size: {}", size.error().message));
        const auto& mode = opts.data.access_mode;
        if (mode != "ReadWriteOnce" && mode != "ReadWriteMany" && mode != "ReadWriteOncePod")
            return Error(fmt::format(
                "the access mode \"{}\" is not ReadWriteOnce, ReadWriteMany or ReadWriteOncePod",
                mode));
    }
    std::vector<GeneratedFile> out;
    out.push_back(config_secret(plan, names, opts));
    if (!opts.data.claim.empty()) out.push_back(data_claim(plan, opts));
    if (plan.release) out.push_back(release_job(plan, names, opts));
    for (std::size_t i = 0; i < plan.processes.size(); ++i)
        out.push_back(deployment(plan, plan.processes[i], names, types[i], opts));
    for (std::size_t i = 0; i < plan.processes.size(); ++i)
        if (plan.processes[i].web) out.push_back(service(plan, plan.processes[i], names, types[i]));
    return out;
}

}  // namespace paasrun::exporting
