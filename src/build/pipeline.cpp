#include "build/pipeline.hpp"

#include <nlohmann/json.hpp>

#include "build/source_tree.hpp"
#include "config/data_dir.hpp"
#include "config/manifest.hpp"
#include "release/current.hpp"
#include "util/durable_fs.hpp"
#include "util/read_file.hpp"

namespace paasrun::build {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct LastBuild {
    std::string stat_fingerprint;
    std::string source_hash;
};

LastBuild read_last_build(const fs::path& state_dir) {
    auto text = read_file(state_dir / "last_build.json");
    if (!text) return {};
    auto j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return {};
    return {j.value("stat_fingerprint", ""), j.value("source_hash", "")};
}

Status write_last_build(const fs::path& state_dir, const LastBuild& b) {
    json j{{"stat_fingerprint", b.stat_fingerprint}, {"source_hash", b.source_hash}};
    return paasrun::write_file_atomic(state_dir / "last_build.json", j.dump() + "\n");
}

}  // namespace

std::string last_built_source_hash(const fs::path& state_dir) {
    return read_last_build(state_dir).source_hash;
}

Result<PipelineOptions> pipeline_options(const fs::path& app_dir) {
    auto m = config::load_manifest(app_dir.string());
    if (!m) return std::move(m).error();
    auto o = pipeline_options(*m);
    auto data = config::resolve_data_dir(*m, app_dir, config::state_dir_for(app_dir),
                                         config::current_environment());
    o.build.exclude.push_back(data);
    o.publish.data_dir = data.string();
    return o;
}

PipelineOptions pipeline_options(const config::Manifest& m) {
    PipelineOptions o;
    o.build.buildpacks = m.build.buildpacks;
    o.build.system_site_packages = m.build.system_site_packages;
    for (const auto& mapping : m.static_files.mappings) o.build.static_dirs.push_back(mapping.dir);
    if (!m.static_files.root.empty()) o.build.static_dirs.push_back(m.static_files.root);
#ifdef PAASRUN_VERSION
    o.build.paasrun_version = PAASRUN_VERSION;
#endif
    o.publish.release_timeout =
        std::chrono::milliseconds(static_cast<long long>(m.release_timeout * 1000));
    o.publish.keep_releases = m.build.keep_releases;
    o.publish.manifest_env = m.env;
    return o;
}

Result<BuildOutcome> build_and_release(const fs::path& app_dir, const fs::path& state_dir,
                                       const PipelineOptions& opts) {
    auto started = Clock::now();
    release::ReleaseStore store(state_dir);
    auto lock = store.lock();
    if (!lock) return std::move(lock).error();
    if (auto s = store.clean_leftovers(); !s) return std::move(s).error();

    auto slug = build_slug(store, app_dir, opts.build);
    if (!slug) return std::move(slug).error();
    if (!opts.output_archive.empty()) {
        if (auto s = write_slug_archive(store, slug->meta.id, opts.output_archive); !s)
            return std::move(s).error();
        if (opts.build.on_output)
            opts.build.on_output(fmt::format("-----> Wrote slug archive {}", opts.output_archive));
    }
    auto draft = release::draft_build_release(store, slug->meta);
    if (!draft) return std::move(draft).error();
    auto published = release::publish(store, std::move(*draft), opts.publish);
    if (!published) return std::move(published).error();
    // A cache for the fast path only: losing it costs one content hash, never correctness.
    (void)write_last_build(state_dir, {slug->stat_fingerprint, slug->meta.source_hash});

    BuildOutcome out;
    out.built = true;
    out.version = published->version;
    out.slug = std::move(slug->meta);
    out.publish = std::move(*published);
    out.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return out;
}

Result<BuildOutcome> ensure_built(const fs::path& app_dir, const fs::path& state_dir,
                                  const PipelineOptions& opts) {
    auto started = Clock::now();
    auto cur = release::current_release(state_dir);
    if (cur && cur->has_value()) {
        const auto& current = **cur;
        auto root = fs::absolute(app_dir).lexically_normal();
        if (!root.has_filename()) root = root.parent_path();
        std::vector<fs::path> skip{state_dir};
        skip.insert(skip.end(), opts.build.exclude.begin(), opts.build.exclude.end());
        auto entries = list_source(root, skip);
        if (!entries) return std::move(entries).error();
        auto fingerprint = stat_fingerprint(*entries);
        auto last = read_last_build(state_dir);
        bool unchanged =
            last.source_hash == current.release.source_hash && last.stat_fingerprint == fingerprint;
        if (!unchanged) {
            auto hash = source_hash(root, *entries);
            if (!hash) return std::move(hash).error();
            unchanged = *hash == current.release.source_hash;
            if (unchanged) (void)write_last_build(state_dir, {fingerprint, *hash});
        }
        if (unchanged) {
            BuildOutcome out;
            out.version = current.version;
            out.slug = current.slug;
            out.seconds = std::chrono::duration<double>(Clock::now() - started).count();
            return out;
        }
    }
    return build_and_release(app_dir, state_dir, opts);
}

}  // namespace paasrun::build
