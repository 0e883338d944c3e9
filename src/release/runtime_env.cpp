#include "release/runtime_env.hpp"

#include "config/app_env.hpp"

namespace paasrun::release {

std::vector<std::string> release_environment(
    const Release& r, const SlugMeta& slug,
    const std::vector<std::pair<std::string, std::string>>& manifest_env,
    const std::vector<std::string>& process_env, const HostEnv& host) {
    config::EnvLayers layers;
    layers.manifest_env = manifest_env;
    layers.dotenv = host.dotenv;
    layers.buildpack_vars.assign(slug.default_config_vars.begin(), slug.default_config_vars.end());
    layers.config_vars.assign(r.config_vars.begin(), r.config_vars.end());
    for (const auto& e : process_env) {
        auto eq = e.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        layers.process_env[e.substr(0, eq)] = e.substr(eq + 1);
    }
    auto env = config::app_environment(
        layers, {r.version, host.app_dir, host.data_dir, config::self_exe_dir()});
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

std::vector<std::string> profile_wrapped_argv(const std::string& command,
                                              const std::string& profile_dir) {
    // $1 is the command line; the wrapper sources every .profile.d script in name order,
    // then the app's .profile, as Heroku's dyno manager does (supervisor/child_env.cpp does
    // the same for processes), then replaces itself with the command's shell.
    static const std::string wrapper =
        "for f in .profile.d/*.sh; do [ -r \"$f\" ] && . \"$f\"; done; "
        "if [ -r ./.profile ]; then . ./.profile; fi; exec bash -c \"$1\"";
    // The same with the scripts of the directory named by $2 (never quoted into the script).
    static const std::string wrapper_in =
        "for f in \"$2\"/.profile.d/*.sh; do [ -r \"$f\" ] && . \"$f\"; done; "
        "if [ -r ./.profile ]; then . ./.profile; fi; exec bash -c \"$1\"";
    if (!profile_dir.empty())
        return {"/bin/bash", "-c", wrapper_in, "paasrun-profile", command, profile_dir};
    return {"/bin/bash", "-c", wrapper, "paasrun-profile", command};
}

}  // namespace paasrun::release
