// A release carries its own paasrun.yaml: the one in its slug's app tree
// (ReleaseStore::slug_app_dir). The deploy engine checks, bakes and runs each release with
// the settings of THAT file, not with the paasrun.yaml read when `up`/`start` started, so a
// release that moves its health endpoint or adds an `env:` var is deployed with it.
//
//   per release (this file)          health.*, deploy.start_timeout, deploy.bake_window,
//                                    deploy.max_crashes, deploy.max_health_failures,
//                                    release_timeout, env:
//   per deployed source tree, when   build.buildpacks, python.system_site_packages, static
//   it is built (build_settings.hpp)  dirs to precompress
//   process-wide (read once at start) deploy.shared_socket, deploy.shutdown_delay, restart.*,
//                                    grace_period, admin.*, build.keep_releases
//                                    (docs/deploys.md)
//
// `shared_socket` and `shutdown_delay` configure the supervisor itself (one listening socket,
// one SIGTERM sequence for every generation), so no single release can change them.
#pragma once

#include <filesystem>
#include <optional>

#include "config/manifest.hpp"
#include "util/result.hpp"

namespace paasrun::deploy {

/// The paasrun.yaml of a release's app tree; nullopt when the tree has none. A file that
/// cannot be read or parsed is an Error whose message names the file and the position (a
/// deploy refuses such a source tree before building it, so this means a slug archive
/// imported as-is or a slug edited on disk). The message is self-contained: callers may show only
/// Error::message.
[[nodiscard]] Result<std::optional<config::Manifest>> load_release_manifest(
    const std::filesystem::path& app_dir);

/// How the engine releases, checks and watches one release.
struct ReleaseSettings {
    config::HealthCheck health;
    config::DeploySettings deploy;  // shared_socket, shutdown_delay: unused (process-wide)
    double release_timeout = 600;   // s for the release phase
    config::EnvList env;            // the manifest `env:` layer; never taken from the fallback
    std::filesystem::path file;     // the paasrun.yaml they came from; empty: the fallback
};

/// The settings of the release whose app tree is `app_dir`: those of its paasrun.yaml when
/// it has one. A tree without paasrun.yaml (an imported slug, a tarball of the code alone)
/// says nothing about how to check it, so health/deploy/release_timeout come from `fallback`
/// (the manifest paasrun started with), and `env` is empty: a manifest env var belongs to
/// the release that declares it. Errors as load_release_manifest.
[[nodiscard]] Result<ReleaseSettings> release_settings(const std::filesystem::path& app_dir,
                                                       const config::Manifest& fallback);

/// The settings `manifest` itself gives (`file` empty): for the directory run as-is, which
/// has no release, and as the fallback above.
[[nodiscard]] ReleaseSettings settings_of(const config::Manifest& manifest);

}  // namespace paasrun::deploy
