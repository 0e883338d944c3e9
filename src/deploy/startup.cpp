#include "deploy/startup.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <system_error>

#include "build/source_tree.hpp"
#include "release/child_process.hpp"
#include "util/durable_fs.hpp"
#include "util/read_file.hpp"

namespace paasrun::deploy {

namespace fs = std::filesystem;

Result<bool> source_changed(const fs::path& app_dir, const fs::path& state_dir,
                            const std::vector<fs::path>& exclude) {
    auto text = read_file(state_dir / "last_build.json");
    if (!text) return true;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return true;
    std::string fingerprint = j.value("stat_fingerprint", ""), hash = j.value("source_hash", "");
    auto root = fs::absolute(app_dir).lexically_normal();
    if (!root.has_filename()) root = root.parent_path();
    std::vector<fs::path> skip{state_dir};
    skip.insert(skip.end(), exclude.begin(), exclude.end());
    auto entries = build::list_source(root, skip);
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
        (void)store.mark_failed(
            info.release.version,
            "interrupted: paasrun stopped (killed or crashed) before this release was activated");
        out.push_back(info.release.version);
    }
    (void)store.clean_leftovers();
    return out;
}

Result<StartupOutcome> prepare_startup(const fs::path& app_dir, const fs::path& state_dir,
                                       build::PipelineOptions pipeline,
                                       const std::function<void(std::string_view)>& on_output) {
    StartupOutcome out;
    release::ReleaseStore store(state_dir);
    for (int v : recover_interrupted(store))
        on_output(fmt::format(
            "-----> v{} was left unfinished by an interrupted deploy or build: marked failed", v));
    auto current = store.current_version();
    if (!current) return std::move(current).error();
    auto changed = *current == 0 ? Result<bool>(true)
                                 : source_changed(app_dir, state_dir, pipeline.build.exclude);
    if (!changed) return std::move(changed).error();
    if (*changed) {
        pipeline.build.on_output = on_output;
        pipeline.publish.on_output = [&](std::string_view l) {
            on_output(fmt::format("       release | {}", l));
        };
        auto built = build::ensure_built(app_dir, state_dir, pipeline);
        if (!built) return std::move(built).error();
        out.built = built->built;
        if (built->built)
            on_output(
                fmt::format("-----> Released v{} in {:.1f}s", built->version, built->seconds));
    }
    current = store.current_version();
    if (!current) return std::move(current).error();
    out.version = *current;
    if (out.version > 0) {
        auto r = store.load(out.version);
        if (r && r->slug_id.empty()) out.version = 0;  // config-only release: nothing built to run
    }
    return out;
}

}  // namespace paasrun::deploy
