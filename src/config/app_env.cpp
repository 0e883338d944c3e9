#include "config/app_env.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <string_view>
#include <system_error>

namespace paasrun::config {

namespace {

bool path_contains(std::string_view path, std::string_view dir) {
    while (true) {
        auto colon = path.find(':');
        if (path.substr(0, colon) == dir) return true;
        if (colon == std::string_view::npos) return false;
        path.remove_prefix(colon + 1);
    }
}

void prepend_path(EnvMap& env, const std::string& dir) {
    auto it = env.find("PATH");
    if (it == env.end() || it->second.empty()) {
        env["PATH"] = dir + ":/usr/local/bin:/usr/bin:/bin";
        return;
    }
    it->second = dir + ":" + it->second;
}

}  // namespace

EnvMap merge_layers(const EnvLayers& layers) {
    EnvMap env;
    for (const auto* list :
         {&layers.manifest_env, &layers.dotenv, &layers.buildpack_vars, &layers.config_vars})
        for (const auto& [k, v] : *list) env[k] = v;
    for (const auto& [k, v] : layers.process_env) env[k] = v;
    return env;
}

EnvMap app_environment(const EnvLayers& layers, const EnvFacts& facts) {
    EnvMap env = merge_layers(layers);
    if (facts.release > 0) env["PAASRUN_RELEASE_VERSION"] = fmt::format("v{}", facts.release);
    if (!facts.data_dir.empty()) env["PAASRUN_DATA_DIR"] = facts.data_dir;
    std::error_code ec;
    bool has_venv =
        !facts.app_dir.empty() && std::filesystem::is_directory(facts.app_dir + "/.venv", ec);
    add_app_paths(env, facts.app_dir, has_venv, facts.exe_dir);
    return env;
}

void add_app_paths(EnvMap& env, const std::string& app_dir, bool has_venv,
                   const std::string& exe_dir) {
    if (!exe_dir.empty()) {
        auto it = env.find("PATH");
        if (it == env.end() || !path_contains(it->second, exe_dir)) prepend_path(env, exe_dir);
    }
    if (has_venv) {
        auto venv = app_dir + "/.venv";
        prepend_path(env, venv + "/bin");
        env["VIRTUAL_ENV"] = venv;
        env.erase("PYTHONHOME");
    }
}

std::string self_exe_dir() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    return exe.parent_path().string();
}

}  // namespace paasrun::config
