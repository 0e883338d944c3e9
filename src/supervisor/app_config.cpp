#include "supervisor/app_config.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "config/app_env.hpp"
#include "config/data_dir.hpp"
#include "config/dotenv.hpp"
#include "supervisor/child_env.hpp"

namespace paasrun::supervisor {
namespace fs = std::filesystem;

namespace {

Result<std::string> absolute_dir(const std::string& dir) {
    std::error_code ec;
    auto abs = fs::absolute(dir, ec);
    if (ec) return Error(fmt::format("app directory {}: {}", dir, ec.message()));
    if (!fs::is_directory(abs, ec))
        return Error(fmt::format("app directory {} does not exist or is not a directory", dir));
    auto normal = abs.lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/') normal.pop_back();  // "/app/." -> "/app"
    return normal;
}

}  // namespace

Result<config::EnvList> load_env_files(const LoadRequest& req, const std::string& app_dir) {
    if (!req.env_files.empty()) {
        // foreman's `-e a.env,b.env` / several -e: one layer, later files win per key (the
        // layer is merged in order, config/app_env.hpp).
        config::EnvList all;
        for (const auto& file : req.env_files) {
            std::error_code ec;
            if (!fs::exists(file, ec))
                return Error(fmt::format("env file {} does not exist", file));
            auto env = config::load_dotenv(file);
            if (!env) return env.error();
            all.insert(all.end(), std::make_move_iterator(env->begin()),
                       std::make_move_iterator(env->end()));
        }
        return all;
    }
    if (req.load_default_env) return config::load_dotenv(app_dir + "/.env");
    return config::EnvList{};
}

namespace {

Result<config::Procfile> load_procfile(const LoadRequest& req, const std::string& app_dir) {
    std::string path = req.procfile.empty() ? app_dir + "/Procfile" : req.procfile;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        if (!req.need_procfile) return config::Procfile{};
        return Error(fmt::format("no Procfile at {} (give one with -f)", path));
    }
    return config::load_procfile(path);
}

}  // namespace

Result<AppConfig> load_app(const LoadRequest& req) {
    AppConfig cfg;
    auto dir = absolute_dir(req.dir);
    if (!dir) return dir.error();
    cfg.app_dir = *dir;

    auto procfile = load_procfile(req, cfg.app_dir);
    if (!procfile) return procfile.error();
    cfg.procfile = std::move(*procfile);

    auto manifest = config::load_manifest(cfg.app_dir);
    if (!manifest) return manifest.error();
    cfg.manifest = std::move(*manifest);

    auto dotenv = load_env_files(req, cfg.app_dir);
    if (!dotenv) return dotenv.error();

    config::FlagOverrides flags;
    flags.port = req.port;
    flags.grace_period = req.grace_period;
    if (!req.formation.empty()) {
        auto counts = config::parse_formation(req.formation);
        if (!counts)
            return Error(fmt::format("-c {}: {}", req.formation, counts.error().describe()));
        if (req.need_procfile)
            if (auto st = check_counts(cfg.procfile, *counts); !st)
                return Error(fmt::format("-c: {}", st.error().describe()));
        flags.formation = std::move(*counts);
    }

    config::Layers layers;
    layers.manifest = &cfg.manifest;
    layers.dotenv = *dotenv;
    layers.process_env = config::current_environment();
    auto settings = config::resolve_settings(layers, flags);
    if (!settings) return settings.error();
    cfg.settings = std::move(*settings);

    config::EnvLayers env_layers;
    env_layers.manifest_env = cfg.manifest.env;
    env_layers.dotenv = std::move(*dotenv);
    env_layers.process_env = std::move(layers.process_env);
    cfg.data_dir =
        config::resolve_data_dir(cfg.manifest, cfg.app_dir, config::state_dir_for(cfg.app_dir),
                                 env_layers.process_env)
            .string();
    cfg.child_env =
        config::app_environment(env_layers, {0, cfg.app_dir, cfg.data_dir, config::self_exe_dir()});

    if (!req.need_procfile) return cfg;
    if (auto st = check_counts(cfg.procfile, cfg.manifest.formation); !st)
        cfg.warnings.push_back(
            fmt::format("paasrun.yaml formation: {} (ignored)", st.error().describe()));
    cfg.formation = expand_formation(cfg.procfile, cfg.settings.formation, cfg.settings.base_port);
    if (cfg.formation.empty())
        return Error(cfg.procfile.processes.empty()
                         ? "nothing to run: the Procfile declares no long-running process types"
                         : "nothing to run: every process type is scaled to 0");
    return cfg;
}

}  // namespace paasrun::supervisor
