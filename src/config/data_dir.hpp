// The app's persistent data directory (docs/storage.md): where an app keeps what must outlive
// a build, a deploy, a rollback and a restart (an SQLite database, uploads). Slugs are
// immutable and rebuilt from the source, so anything written inside one is lost with it.
//
// Location, first that applies:
//   1. PAASRUN_DATA_DIR in paasrun's own environment (a container's volume, systemd's
//      StateDirectory=): used as given, made absolute;
//   2. `data_dir:` in the app dir's paasrun.yaml, relative to the app dir;
//   3. STATE_DIR/data (STATE_DIR: `.paasrun` in the app dir, or $PAASRUN_STATE).
// Every process gets it as PAASRUN_DATA_DIR (config/app_env.hpp): the Procfile's processes,
// the release phase and `paasrun run`. It is never copied into a slug or a deploy upload.
#pragma once

#include <filesystem>
#include <string>

#include "config/manifest.hpp"
#include "config/settings.hpp"
#include "util/result.hpp"

namespace paasrun::config {

/// paasrun's state dir for an app: $PAASRUN_STATE when set, else APP_DIR/.paasrun; absolute.
/// (release::resolve_state_dir is this; it lives here so the data dir rule can use it.)
[[nodiscard]] std::filesystem::path state_dir_for(const std::filesystem::path& app_dir);

/// Where the data dir is (rules above); absolute and normalised. Pure.
[[nodiscard]] std::filesystem::path resolve_data_dir(const Manifest& manifest,
                                                     const std::filesystem::path& app_dir,
                                                     const std::filesystem::path& state_dir,
                                                     const EnvMap& process_env);

/// Creates it (and missing parents) with mode 0700 when it does not exist; an existing
/// directory keeps its mode. The Error names the path.
[[nodiscard]] Status ensure_data_dir(const std::filesystem::path& dir);

}  // namespace paasrun::config
