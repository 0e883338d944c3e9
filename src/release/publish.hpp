// Making releases: the release phase and activation, and the drafts for each kind of
// release (build, config change, rollback). This is what `paasrun build | rollback |
// config:set | config:unset` call, and what the admin API calls for deploys.
//
// publish() = create vN (not current) -> release phase -> activate -> retention. The steps
// are also exposed one by one so a caller that must do something between the release
// phase and activation (the admin API: start the new web generation, wait for health) can:
//
//   auto v = store.create(draft);                     // vN exists, status pending
//   auto ok = run_release_phase(store, *v, opts);     // on failure: mark_failed, stop
//   ... start the new generation, health-check it ...
//   store.activate(*v); store.prune(keep);            // or store.mark_failed(*v, why)
//
// Every writer holds the store lock (ReleaseStore::lock) for the whole sequence.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "release/store.hpp"

namespace paasrun::release {

struct PublishOptions {
    std::chrono::milliseconds release_timeout{600'000};             // manifest release_timeout
    int keep_releases = 10;                                         // manifest build.keep_releases
    std::vector<std::pair<std::string, std::string>> manifest_env;  // manifest `env:`
    std::vector<std::pair<std::string, std::string>> dotenv;        // `.env` layer (`up`, -e)
    std::string data_dir;                                           // PAASRUN_DATA_DIR
    std::function<void(std::string_view)> on_output;                // release-phase output lines
    /// Non-empty: the release phase runs in place, cwd = this directory (the app's source,
    /// `up`: deploy/run_spec.hpp), with the slug's .profile.d and virtualenv; so a Django
    /// `migrate` migrates the database the in-place processes use.
    std::string in_place_dir;
};

struct PublishResult {
    int version = 0;
    bool release_phase_ran = false;
    double release_phase_seconds = 0;
    std::vector<int> pruned;
};

/// Runs vN's release command (if any) in vN's environment, cwd = its slug's app dir (or
/// `in_place_dir`), the slug's .profile.d sourced. A non-zero exit, a signal or the timeout is an
/// Error whose message says which; the caller decides whether to mark the release failed (publish()
/// does). Returns whether a release command ran and how long it took.
[[nodiscard]] Result<std::pair<bool, double>> run_release_phase(const ReleaseStore& store,
                                                                int version,
                                                                const PublishOptions& opts);

/// create + release phase + activate + prune. On a release-phase failure vN is recorded as
/// failed, the current release is unchanged, and the Error says why.
[[nodiscard]] Result<PublishResult> publish(const ReleaseStore& store, Release draft,
                                            const PublishOptions& opts);

/// A build release: the new slug, the current release's config vars, process types from the
/// slug's Procfile (else the buildpacks' defaults), release command from the Procfile.
[[nodiscard]] Result<Release> draft_build_release(const ReleaseStore& store, const SlugMeta& slug);

/// Heroku's rollback rule: a new release with vN's slug, config vars and process types.
/// `target` 0 means the release that was current before the current one. A `target` that is
/// the current release makes a redeploy ("Redeploy of vN", `redeploy` set).
[[nodiscard]] Result<Release> draft_rollback(const ReleaseStore& store, int target);

/// A config change on top of the current release (or of no release yet: then the release
/// has no slug, as Heroku's pre-deploy config releases). Unsetting an absent key is an error;
/// a change that changes nothing is an error too (no empty releases).
[[nodiscard]] Result<Release> draft_config_change(
    const ReleaseStore& store, const std::vector<std::pair<std::string, std::string>>& set,
    const std::vector<std::string>& unset);

/// Valid config var name: [A-Za-z_][A-Za-z0-9_]* (what a POSIX shell can export).
[[nodiscard]] bool valid_config_key(std::string_view key);

}  // namespace paasrun::release
