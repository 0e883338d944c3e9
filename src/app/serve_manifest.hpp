// paasrun.yaml settings for `paasrun serve`: the manifest's `web:` server settings and its
// `static:` section become ServeOptions, below the environment and the command line.
//
// Precedence (docs/configuration.md): manifest < environment < flags. Concretely, a manifest
// value is used only when no flag set that option and it differs from the manifest's own
// default (a key left at its default does not override serve's default);
// `web.forwarded_allow_ips` gives way to FORWARDED_ALLOW_IPS (resolve_defaults() reads it
// afterwards). The worker count is the exception (docs/serve.md, "Worker count"):
//   --workers  >  web.workers in paasrun.yaml  >  WEB_CONCURRENCY  >  serve's CPU/memory rule
// web.workers is a deliberate choice written in the app; WEB_CONCURRENCY is often a platform
// default (Heroku sets it per dyno size) that should not override it. `--static` mounts are added
// to the manifest's mappings; a flag for the same prefix replaces the manifest's mapping.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/manifest.hpp"
#include "serve/serve_options.hpp"
#include "util/result.hpp"

namespace paasrun::worker {

/// True when the named option (its to_args name, e.g. "workers", "static-max-age") was
/// given on the command line.
using FlagGiven = std::function<bool(std::string_view)>;

/// The manifest name looked for in the app directory.
inline constexpr std::string_view kManifestFile = "paasrun.yaml";

/// `<app_dir>/paasrun.yaml` parsed, or nullopt when there is no such file. A file that does
/// not parse or validate is an error (with file:line:column).
[[nodiscard]] Result<std::optional<config::Manifest>> load_app_manifest(const std::string& app_dir);

/// Applies `m` to every option of `o` that `given` says no flag set. Pure.
void apply_manifest(ServeOptions& o, const config::Manifest& m, const FlagGiven& given);

}  // namespace paasrun::worker
