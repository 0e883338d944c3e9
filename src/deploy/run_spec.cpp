#include "deploy/run_spec.hpp"

#include <fmt/format.h>

#include "deploy/release_settings.hpp"
#include "supervisor/child_env.hpp"

namespace paasrun::deploy {

namespace fs = std::filesystem;

Result<std::shared_ptr<supervisor::RunSpec>> release_run_spec(const release::ReleaseStore& store, int version,
                                                             const EnvInputs& in) {
    auto r = store.load(version);
    if (!r) return std::move(r).error();
    if (r->slug_id.empty())
        return Error(fmt::format("v{} has config vars but no slug (a config-only release): nothing to run", version));
    auto slug = store.load_slug(r->slug_id);
    if (!slug) return std::move(slug).error();

    auto run = std::make_shared<supervisor::RunSpec>();
    run->release = version;
    run->app_dir = store.slug_app_dir(r->slug_id).string();
    auto manifest = load_release_manifest(run->app_dir);
    if (!manifest) return std::move(manifest).error();
    if (*manifest)
        for (const auto& [k, v] : (*manifest)->env) run->env[k] = v;
    for (const auto& [k, v] : in.dotenv) run->env[k] = v;
    for (const auto& [k, v] : slug->default_config_vars) run->env[k] = v;
    for (const auto& [k, v] : r->config_vars) run->env[k] = v;
    for (const auto& [k, v] : in.process_env) run->env[k] = v;
    run->env["PAASRUN_RELEASE_VERSION"] = fmt::format("v{}", version);
    std::error_code ec;
    bool has_venv = fs::is_directory(fs::path(run->app_dir) / ".venv", ec);
    supervisor::add_app_paths(run->env, run->app_dir, has_venv, supervisor::self_exe_dir());
    run->process_types = r->process_types;
    return run;
}

}  // namespace paasrun::deploy
