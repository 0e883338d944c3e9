#include "deploy/startup.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <system_error>

#include "build/buildpacks.hpp"
#include "build/source_tree.hpp"
#include "release/child_process.hpp"
#include "release/durable_fs.hpp"

namespace paasrun::deploy {

namespace fs = std::filesystem;

bool has_buildpack(const fs::path& app_dir, const config::Manifest& manifest) {
    std::error_code ec;
    if (!manifest.build.buildpacks.empty() || fs::exists(app_dir / ".buildpacks", ec)) return true;
    auto bundled = build::bundled_buildpacks();
    if (!bundled) return false;
    for (const auto& bp : *bundled) {
        release::ChildSpec spec;
        spec.argv = {(bp.dir / "bin" / "detect").string(), app_dir.string()};
        spec.env = release::environ_entries();
        spec.timeout = std::chrono::seconds(60);
        spec.capture_stdout = true;
        auto r = release::run_child(spec);
        if (r && r->success()) return true;
    }
    return false;
}

Result<bool> source_changed(const fs::path& app_dir, const fs::path& state_dir) {
    auto text = release::read_file(state_dir / "last_build.json");
    if (!text) return true;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return true;
    std::string fingerprint = j.value("stat_fingerprint", ""), hash = j.value("source_hash", "");
    auto root = fs::absolute(app_dir).lexically_normal();
    if (!root.has_filename()) root = root.parent_path();
    auto entries = build::list_source(root, {state_dir});
    if (!entries) return std::move(entries).error();
    if (build::stat_fingerprint(*entries) == fingerprint) return false;
    auto h = build::source_hash(root, *entries);
    if (!h) return std::move(h).error();
    return *h != hash;
}

std::vector<int> recover_interrupted(const release::ReleaseStore& store) {
    std::vector<int> out;
    std::error_code ec;
    if (!fs::exists(store.releases_dir(), ec)) return out;
    auto lock = store.lock();
    if (!lock) return out;
    auto list = store.list();
    if (!list) return out;
    for (const auto& info : *list) {
        if (info.status != release::ReleaseStatus::pending) continue;
        (void)store.mark_failed(info.release.version,
                                "interrupted: paasrun stopped (killed or crashed) before this release was activated");
        out.push_back(info.release.version);
    }
    (void)store.clean_leftovers();
    return out;
}

Result<StartupOutcome> prepare_startup(const fs::path& app_dir, const fs::path& state_dir,
                                       const config::Manifest& manifest,
                                       const std::function<void(std::string_view)>& on_output) {
    StartupOutcome out;
    release::ReleaseStore store(state_dir);
    for (int v : recover_interrupted(store))
        on_output(fmt::format("-----> v{} was left unfinished by an interrupted deploy or build: marked failed", v));
    if (has_buildpack(app_dir, manifest)) {
        auto current = store.current_version();
        if (!current) return std::move(current).error();
        auto changed = *current == 0 ? Result<bool>(true) : source_changed(app_dir, state_dir);
        if (!changed) return std::move(changed).error();
        if (*changed) {
            auto opts = build::pipeline_options(app_dir);
            if (!opts) return std::move(opts).error();
            opts->build.on_output = on_output;
            opts->publish.on_output = [&](std::string_view l) { on_output(fmt::format("       release | {}", l)); };
            auto built = build::ensure_built(app_dir, state_dir, *opts);
            if (!built) return std::move(built).error();
            out.built = built->built;
            if (built->built) on_output(fmt::format("-----> Released v{} in {:.1f}s", built->version, built->seconds));
        }
    }
    auto current = store.current_version();
    if (!current) return std::move(current).error();
    out.version = *current;
    if (out.version > 0) {
        auto r = store.load(out.version);
        if (r && r->slug_id.empty()) out.version = 0;  // config-only release: nothing built to run
    }
    return out;
}

}  // namespace paasrun::deploy
