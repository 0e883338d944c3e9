// `paasrun export kubernetes`: the Kubernetes objects that run an app from its paasrun image
// (the Dockerfile's `app` stage), what foreman's export does for its init systems.
//
// - One Deployment per Procfile process type, replicas = the formation count. Each pod runs
//   `paasrun start --formation all=0,TYPE=1`: paasrun stays PID 1 (reaping, signal relay, the
//   drain on SIGTERM, the restart policy), runs exactly one process of its type, and serves
//   /livez /readyz /startupz on its loopback admin port. Scaling is left to Kubernetes.
// - Probes: liveness and startup are exec probes running `paasrun healthcheck
//   http://127.0.0.1:ADMIN_PORT/<path>` (the admin API stays on loopback: it can deploy code).
//   Readiness asks the app itself: an httpGet of the manifest's `health.path` on the `http`
//   port, the same check paasrun's deploys make; without a health path, /readyz on the admin
//   port. Non-web pods get liveness only (readiness means "a web worker is ready").
// - Pod Security "restricted": runAsNonRoot with the image's uid, seccompProfile
//   RuntimeDefault, allowPrivilegeEscalation false, every capability dropped, no volume but
//   the data PersistentVolumeClaim.
// - Config vars: a Secret APP-config (stringData) that every container reads with envFrom.
//   The process environment is paasrun's highest env layer, so they win as config:set does.
//   The pod template carries the Secret's sha256 as an annotation: changing a config var and
//   re-applying rolls the Deployments, as a config change makes a new release on Heroku.
// - Shutdown: a terminating pod leaves its Service's endpoints while it gets SIGTERM, and load
//   balancers learn it late. Web pods therefore get a preStop `sleep P` (P = deploy.
//   shutdown_delay, or kPreStopSeconds when that is 0; the image has /bin/sleep), then paasrun's
//   own drain: readiness off, shutdown_delay, stop accepting, in-flight requests finish within
//   `grace_period`. terminationGracePeriodSeconds = P + grace_period + kStopMargin, so
//   Kubernetes' SIGKILL never lands before paasrun's own deadline.
// - Web pods: a Service (port 80 -> the container port `http`, PORT by foreman's rule),
//   RollingUpdate with maxUnavailable 0, WEB_CONCURRENCY from the CPU/memory limit.
// - The Procfile's `release:` becomes a Job named APP-release-<hash of image and command>: a
//   Job's pod template is immutable, so a fixed name could not be re-applied for a new image;
//   with the hash, a new image is a new Job, and re-applying the same one is a no-op.
//   ttlSecondsAfterFinished removes finished Jobs after kReleaseJobTtl.
// - Persistent data (DataVolume): a PersistentVolumeClaim mounted at kDataMountPath in every
//   pod and the release Job, with PAASRUN_DATA_DIR pointing there. A ReadWriteOnce volume
//   attaches to one node at a time, so its Deployments use the Recreate strategy (a surge pod
//   on another node would wait for the volume forever).
#pragma once

#include <string>
#include <vector>

#include "export/plan.hpp"

namespace paasrun::exporting {

/// Seconds Kubernetes waits beyond paasrun's own stop deadline: the supervisor gives up on
/// processes that survive SIGKILL 5 s after the grace period (docs/supervisor.md).
inline constexpr int kStopMargin = 5;
/// The uid/gid of the image's `paasrun` user (Dockerfile); runAsNonRoot needs a numeric uid.
inline constexpr int kImageUid = 10001;
/// How long a web pod may take to become ready once before it is restarted.
inline constexpr int kStartupSeconds = 120;
inline constexpr int kStartupPeriod = 2;
/// The preStop delay of web pods when deploy.shutdown_delay is 0: long enough for kube-proxy
/// and ingress controllers to drop the endpoint before paasrun stops accepting.
inline constexpr int kPreStopSeconds = 5;
/// Finished release Jobs are garbage-collected after a week.
inline constexpr int kReleaseJobTtl = 7 * 24 * 3600;
/// Where the data volume is mounted; PAASRUN_DATA_DIR is set to it.
inline constexpr const char* kDataMountPath = "/data";
/// The pod-template annotation holding the config Secret's digest.
inline constexpr const char* kConfigDigestAnnotation = "paasrun.dev/config-sha256";

struct DataVolume {
    std::string claim;                          // PVC name; empty: no data volume
    std::string size = "1Gi";                   // storage request
    std::string access_mode = "ReadWriteOnce";  // or ReadWriteMany / ReadWriteOncePod
};

struct KubernetesOptions {
    std::string image;            // empty: "<app>:latest"
    Resources resources;          // requests = limits (Guaranteed QoS, and WEB_CONCURRENCY matches)
    config::EnvList config_vars;  // the Secret APP-config (load_config_vars)
    DataVolume data;
};

struct GeneratedFile {
    std::string name;  // file name in the output dir, e.g. "guestbook-web-deployment.yaml"
    std::string content;
    int mode = 0644;  // 0600 for the Secret
};

/// Every object, one file each, in apply order (Secret, PersistentVolumeClaim, release Job,
/// Deployments, Services). Errors: a name Kubernetes would refuse (the app name or a process
/// type that is not a DNS label once lowercased, or too long), a bad size or access mode.
/// Pure.
[[nodiscard]] Result<std::vector<GeneratedFile>> kubernetes_manifests(
    const Plan& plan, const KubernetesOptions& opts);

/// terminationGracePeriodSeconds of a pod (see above; `web`: it has the preStop delay). Pure.
[[nodiscard]] std::int64_t termination_grace_seconds(const config::Manifest& manifest, bool web);

/// The seconds a web pod's preStop sleeps. Pure.
[[nodiscard]] std::int64_t prestop_seconds(const config::Manifest& manifest);

/// The release Job's name: APP-release-<first 10 hex digits of sha256(image, command)>. Pure.
[[nodiscard]] std::string release_job_name(const std::string& app, const std::string& image,
                                           const std::string& command);

/// An object name from an app name or process type: lowercased, `_` and `.` become `-`.
/// Error when the result is not a DNS-1035 label (a letter first, [a-z0-9-], at most 63). Pure.
[[nodiscard]] Result<std::string> kube_name(std::string_view name);

}  // namespace paasrun::exporting
