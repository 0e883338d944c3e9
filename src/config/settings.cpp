#include "config/settings.hpp"

#include <unistd.h>

#include "config/app_env.hpp"
#include "config/scalars.hpp"

extern char** environ;  // POSIX: the process environment

namespace paasrun::config {

namespace {

// Names of the env layers, lowest first, for messages that say where a bad value came from.
std::string_view source_of(const Layers& layers, const std::string& key) {
    if (layers.process_env.count(key)) return "the environment";
    for (auto it = layers.config_vars.rbegin(); it != layers.config_vars.rend(); ++it)
        if (it->first == key) return "config vars";
    for (auto it = layers.dotenv.rbegin(); it != layers.dotenv.rend(); ++it)
        if (it->first == key) return ".env";
    return "the manifest's env";
}

Error bad_env(const Layers& layers, const std::string& key, const std::string& value,
              std::string_view expected) {
    return Error(
        fmt::format("{}=\"{}\" (from {}) is not {}", key, value, source_of(layers, key), expected));
}

bool valid_type_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    return true;
}

}  // namespace

EnvMap merge_env(const Layers& layers) {
    EnvLayers l;
    if (layers.manifest) l.manifest_env = layers.manifest->env;
    l.dotenv = layers.dotenv;
    l.config_vars = layers.config_vars;
    l.process_env = layers.process_env;
    return merge_layers(l);
}

Result<EffectiveSettings> resolve_settings(const Layers& layers, const FlagOverrides& flags) {
    if (!layers.manifest) return Error("resolve_settings: no manifest given");
    const Manifest& m = *layers.manifest;
    EffectiveSettings s;
    s.env = merge_env(layers);
    s.formation = m.formation;
    s.web_workers = m.web.workers;
    s.grace_period = m.grace_period;

    if (auto it = s.env.find("PORT"); it != s.env.end()) {
        auto port = parse_integer(it->second);
        if (!port || *port < 1 || *port > 65535)
            return bad_env(layers, "PORT", it->second, "a TCP port (1-65535)");
        s.base_port = static_cast<int>(*port);
    }
    if (auto it = s.env.find("WEB_CONCURRENCY"); it != s.env.end()) {
        auto n = parse_integer(it->second);
        if (!n || *n < 0 || *n > max_web_workers)
            return bad_env(layers, "WEB_CONCURRENCY", it->second,
                           fmt::format("a worker count (0-{})", max_web_workers));
        // An explicit web.workers (> 0) is the app's own choice and beats WEB_CONCURRENCY,
        // often a platform default: serve's order (app/serve_manifest.hpp). Still checked.
        if (m.web.workers == 0) s.web_workers = static_cast<int>(*n);
    }
    if (auto it = s.env.find("PAASRUN_GRACE_PERIOD"); it != s.env.end()) {
        auto d = parse_duration(it->second);
        if (!d || *d < 0)
            return bad_env(layers, "PAASRUN_GRACE_PERIOD", it->second,
                           "a duration in seconds (>= 0)");
        s.grace_period = *d;
    }

    if (flags.port) {
        if (*flags.port < 1 || *flags.port > 65535)
            return Error(fmt::format("--port {} is not a TCP port (1-65535)", *flags.port));
        s.base_port = *flags.port;
    }
    if (flags.workers) {
        if (*flags.workers < 0 || *flags.workers > max_web_workers)
            return Error(fmt::format("--workers {} is out of range (0-{})", *flags.workers,
                                     max_web_workers));
        s.web_workers = *flags.workers;
    }
    if (flags.grace_period) {
        if (!(*flags.grace_period >= 0))
            return Error(fmt::format("--grace-period {} must be >= 0", *flags.grace_period));
        s.grace_period = *flags.grace_period;
    }
    for (const auto& [name, count] : flags.formation) {
        if (!valid_type_name(name))
            return Error(fmt::format("invalid process type \"{}\" in the formation", name));
        if (name == "release")
            return Error("\"release\" is the release phase and cannot be scaled");
        if (count < 0 || count > max_formation_count)
            return Error(fmt::format("count {} for \"{}\" is out of range (0-{})", count, name,
                                     max_formation_count));
        s.formation[name] = count;
    }
    return s;
}

Result<std::map<std::string, int>> parse_formation(std::string_view spec) {
    std::map<std::string, int> out;
    std::size_t pos = 0;
    while (pos <= spec.size()) {
        std::size_t comma = spec.find(',', pos);
        std::string_view item = spec.substr(
            pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        pos = comma == std::string_view::npos ? spec.size() + 1 : comma + 1;
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.empty()) return Error(fmt::format("empty entry in formation \"{}\"", spec));
        std::size_t eq = item.find('=');
        if (eq == std::string_view::npos)
            return Error(fmt::format("formation entry \"{}\" is not TYPE=COUNT", item));
        std::string name(item.substr(0, eq));
        if (!valid_type_name(name))
            return Error(
                fmt::format("invalid process type \"{}\" in the formation (allowed: "
                            "letters, digits, '_' and '-')",
                            name));
        if (name == "release")
            return Error("\"release\" is the release phase and cannot be scaled");
        auto count = parse_integer(item.substr(eq + 1));
        if (!count || *count < 0 || *count > max_formation_count)
            return Error(fmt::format("count \"{}\" for \"{}\" is not an integer from 0 to {}",
                                     item.substr(eq + 1), name, max_formation_count));
        if (!out.emplace(name, static_cast<int>(*count)).second)
            return Error(fmt::format("process type \"{}\" appears twice in the formation", name));
    }
    return out;
}

EnvMap current_environment() {
    EnvMap env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        std::size_t eq = kv.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;  // malformed entries are skipped
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

}  // namespace paasrun::config
