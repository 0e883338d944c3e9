#include "release/runtime_env.hpp"

#include <map>

namespace paasrun::release {

std::vector<std::string> release_environment(const Release& r, const SlugMeta& slug,
                                             const std::vector<std::pair<std::string, std::string>>& manifest_env,
                                             const std::vector<std::string>& process_env) {
    std::map<std::string, std::string> env;
    for (const auto& [k, v] : manifest_env) env[k] = v;
    for (const auto& [k, v] : slug.default_config_vars) env[k] = v;
    for (const auto& [k, v] : r.config_vars) env[k] = v;
    for (const auto& e : process_env) {
        auto eq = e.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        env[e.substr(0, eq)] = e.substr(eq + 1);
    }
    env["PAASRUN_RELEASE_VERSION"] = fmt::format("v{}", r.version);
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

std::vector<std::string> profile_wrapped_argv(const std::string& command) {
    // $1 is the command line; the wrapper sources every .profile.d script in name order,
    // then the app's .profile, as Heroku's dyno manager does (supervisor/child_env.cpp does
    // the same for processes), then replaces itself with the command's shell.
    static const std::string wrapper =
        "for f in .profile.d/*.sh; do [ -r \"$f\" ] && . \"$f\"; done; "
        "if [ -r ./.profile ]; then . ./.profile; fi; exec bash -c \"$1\"";
    return {"/bin/bash", "-c", wrapper, "paasrun-profile", command};
}

}  // namespace paasrun::release
