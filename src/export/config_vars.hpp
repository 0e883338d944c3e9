// The config vars `paasrun export kubernetes` puts in the app's Secret: what the processes
// would get beyond the image on this machine.
//
//   DIR/.env (or -e FILE)  <  the current release's config vars (`config:set`)
//
// `.env` is local configuration, never part of a slug or an image, so a cluster gets it only
// through the Secret (foreman's export reads .env the same way). The manifest's `env:` and
// the buildpack's defaults are inside the image already and are left out. A missing .env or
// an app without releases contributes nothing; an unreadable one is an error.
#pragma once

#include <filesystem>
#include <string>

#include "config/dotenv.hpp"
#include "util/result.hpp"

namespace paasrun::exporting {

/// Sorted by name. `env_file` empty: DIR/.env when it exists.
[[nodiscard]] Result<config::EnvList> load_config_vars(const std::filesystem::path& app_dir,
                                                       const std::string& env_file);

}  // namespace paasrun::exporting
