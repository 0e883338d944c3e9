// `paasrun export kubernetes`: the Kubernetes objects that run an app from its paasrun image
// (the Dockerfile's `app` stage), what foreman's export does for its init systems.
//
// - One Deployment per Procfile process type, replicas = the formation count. Each pod runs
//   `paasrun start --formation all=0,TYPE=1`: paasrun stays PID 1 (reaping, signal relay, the
//   drain on SIGTERM, the restart policy), runs exactly one process of its type, and serves
//   /livez /readyz /startupz on its loopback admin port. Scaling is left to Kubernetes.
// - Probes are exec probes running `paasrun healthcheck http://127.0.0.1:ADMIN_PORT/<path>`:
//   the admin API stays on loopback (it can deploy code; it should not be on the pod
//   network). Web pods get startup (/startupz), readiness (/readyz) and liveness (/livez);
//   other types only liveness (readiness means "a web worker is ready").
// - Shutdown: Kubernetes takes a terminating pod out of its Service while it sends SIGTERM,
//   and load balancers learn it late. With `deploy.shutdown_delay` D > 0 the pod gets a
//   preStop `sleep D` (it keeps serving while the endpoint removal propagates), then paasrun's
//   own drain: readiness off, D again, stop accepting, in-flight requests finish within
//   `grace_period`. terminationGracePeriodSeconds = D + grace_period + kStopMargin, so
//   Kubernetes' SIGKILL never lands before paasrun's own deadline.
// - Web pods: a Service (port 80 -> the container port `http`, PORT by foreman's rule),
//   RollingUpdate with maxUnavailable 0, WEB_CONCURRENCY from the CPU/memory limit.
// - The Procfile's `release:` becomes a Job (run it to completion before rolling out the
//   Deployments of a new image), with activeDeadlineSeconds = `release_timeout`.
#pragma once

#include <string>
#include <vector>

#include "export/plan.hpp"

namespace paasrun::exporting {

/// Seconds Kubernetes waits beyond paasrun's own stop deadline: the supervisor gives up on
/// processes that survive SIGKILL 5 s after the grace period (docs/supervisor.md).
inline constexpr int kStopMargin = 5;
/// The uid of the image's `paasrun` user (Dockerfile); runAsNonRoot needs a numeric uid.
inline constexpr int kImageUid = 10001;
/// How long a web pod may take to become ready once before it is restarted.
inline constexpr int kStartupSeconds = 120;
inline constexpr int kStartupPeriod = 2;

struct KubernetesOptions {
    std::string image;    // empty: "<app>:latest"
    Resources resources;  // requests = limits (Guaranteed QoS, and WEB_CONCURRENCY matches)
};

struct GeneratedFile {
    std::string name;     // file name in the output dir, e.g. "guestbook-web-deployment.yaml"
    std::string content;
};

/// Every object, one file each, in apply order (release Job, Deployments, Service). Pure.
[[nodiscard]] std::vector<GeneratedFile> kubernetes_manifests(const Plan& plan, const KubernetesOptions& opts);

/// terminationGracePeriodSeconds for this manifest (see above). Pure.
[[nodiscard]] std::int64_t termination_grace_seconds(const config::Manifest& manifest);

}  // namespace paasrun::exporting
