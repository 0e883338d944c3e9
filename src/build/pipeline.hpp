// The whole `paasrun build`: lock the store, build a slug, make it a release (release
// phase, activation, retention). And the check `paasrun up` / `paasrun start` run first.
//
// Integration (supervisor, admin API):
//
//   auto opts = build::pipeline_options(app_dir);        // from paasrun.yaml
//   opts->build.on_output = [](std::string_view l) { ... };   // progress lines
//   auto out = build::ensure_built(app_dir, release::resolve_state_dir(app_dir), *opts);
//   if (!out) fail(out.error());          // build or release phase failed: message says why;
//                                         // the previous current release is untouched
//   out->built                            // false: unchanged, nothing done (fast path)
//   release::current_release(state_dir)   // then run it (src/release/current.hpp)
//
// ensure_built is a no-op when the source is unchanged since the release that is current:
// first a stat fingerprint (paths, sizes, mtimes: no file is read), then, when that differs,
// the content hash (so `touch` does not rebuild). Both are compared with last_build.json.
#pragma once

#include <filesystem>
#include <string>

#include "build/builder.hpp"
#include "config/manifest.hpp"
#include "release/publish.hpp"
#include "release/store.hpp"
#include "util/result.hpp"

namespace paasrun::build {

struct PipelineOptions {
    BuildOptions build;
    release::PublishOptions publish;  // release_timeout, keep_releases, manifest env, output sink
    std::string output_archive;       // `paasrun build --output`: also write the slug here
};

/// Options from the app's paasrun.yaml (defaults when absent), with the app's data dir
/// (config/data_dir.hpp) left out of the source and given to the release phase. Output
/// sinks are left empty.
[[nodiscard]] Result<PipelineOptions> pipeline_options(const std::filesystem::path& app_dir);

/// The same from a manifest already parsed: the one rule by which `paasrun build` and a
/// deployed source tree (deploy/build_settings.hpp) turn a paasrun.yaml into build options.
[[nodiscard]] PipelineOptions pipeline_options(const config::Manifest& m);

struct BuildOutcome {
    bool built = false;  // false: ensure_built found nothing to do
    int version = 0;     // the current release afterwards
    release::SlugMeta slug;
    release::PublishResult publish;
    double seconds = 0;
};

/// Always builds and releases (takes the store lock; fails at once if another writer holds it).
[[nodiscard]] Result<BuildOutcome> build_and_release(const std::filesystem::path& app_dir,
                                                     const std::filesystem::path& state_dir,
                                                     const PipelineOptions& opts);

/// The source hash of the last build of the app dir here (`<state>/last_build.json`, written
/// by build_and_release and ensure_built); empty when unknown. `up` runs a release in place
/// only when its slug's source_hash is this one (deploy/run_spec.hpp).
[[nodiscard]] std::string last_built_source_hash(const std::filesystem::path& state_dir);

/// Builds and releases only when the source differs from the current release's.
[[nodiscard]] Result<BuildOutcome> ensure_built(const std::filesystem::path& app_dir,
                                                const std::filesystem::path& state_dir,
                                                const PipelineOptions& opts);

}  // namespace paasrun::build
