#include "deploy/run_spec.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "build/pipeline.hpp"
#include "config/app_env.hpp"
#include "config/procfile.hpp"
#include "deploy/release_settings.hpp"

namespace paasrun::deploy {

std::string in_place_dir(const release::Release& r, const EnvInputs& in,
                         const std::filesystem::path& state_dir) {
    if (in.source_dir.empty() || r.source_hash.empty()) return {};
    return build::last_built_source_hash(state_dir) == r.source_hash ? in.source_dir
                                                                     : std::string{};
}

Result<std::shared_ptr<supervisor::RunSpec>> release_run_spec(const release::ReleaseStore& store,
                                                              int version, const EnvInputs& in) {
    auto r = store.load(version);
    if (!r) return std::move(r).error();
    if (r->slug_id.empty())
        return Error(fmt::format(
            "v{} has config vars but no slug (a config-only release): nothing to run", version));
    auto slug = store.load_slug(r->slug_id);
    if (!slug) return std::move(slug).error();

    auto run = std::make_shared<supervisor::RunSpec>();
    run->release = version;
    run->app_dir = store.slug_app_dir(r->slug_id).string();
    auto manifest = load_release_manifest(run->app_dir);
    if (!manifest) return std::move(manifest).error();
    config::EnvLayers layers;
    if (*manifest) layers.manifest_env = (*manifest)->env;
    layers.dotenv = in.dotenv;
    layers.buildpack_vars.assign(slug->default_config_vars.begin(),
                                 slug->default_config_vars.end());
    layers.config_vars.assign(r->config_vars.begin(), r->config_vars.end());
    layers.process_env = in.process_env;
    run->env = config::app_environment(
        layers, {version, run->app_dir, in.data_dir, config::self_exe_dir()});
    if (auto here = in_place_dir(*r, in, store.root()); !here.empty()) {
        run->slug_dir = run->app_dir;
        run->app_dir = here;
    }
    run->process_types = r->process_types;
    if (!in.procfile.empty()) {
        auto path = std::filesystem::path(run->build_dir()) / in.procfile;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            return Error(fmt::format("-f {}: v{}'s slug has no such file (is it in .slugignore?)",
                                     in.procfile, version));
        auto pf = config::load_procfile(path.string());
        if (!pf) return std::move(pf).error();
        run->process_types.clear();
        for (const auto& p : pf->processes) run->process_types.emplace_back(p.name, p.command);
    }
    return run;
}

}  // namespace paasrun::deploy
