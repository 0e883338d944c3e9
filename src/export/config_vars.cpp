#include "export/config_vars.hpp"

#include <fmt/format.h>

#include <map>

#include "release/store.hpp"

namespace paasrun::exporting {

namespace fs = std::filesystem;

Result<config::EnvList> load_config_vars(const fs::path& app_dir, const std::string& env_file) {
    std::map<std::string, std::string> vars;
    fs::path dotenv = env_file.empty() ? app_dir / ".env" : fs::path(env_file);
    std::error_code ec;
    if (!env_file.empty() || fs::exists(dotenv, ec)) {
        auto env = config::load_dotenv(dotenv.string());
        if (!env) return std::move(env).error();
        for (auto& [k, v] : *env) vars[k] = std::move(v);
    }
    auto state_dir = release::resolve_state_dir(app_dir);
    if (fs::is_directory(state_dir, ec)) {
        release::ReleaseStore store(state_dir);
        auto version = store.current_version();
        if (!version) return std::move(version).error();
        if (*version > 0) {
            auto r = store.load(*version);
            if (!r) return Error(fmt::format("release v{}: {}", *version, r.error().describe()));
            for (const auto& [k, v] : r->config_vars) vars[k] = v;
        }
    }
    return config::EnvList(vars.begin(), vars.end());
}

}  // namespace paasrun::exporting
