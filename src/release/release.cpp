#include "release/release.hpp"

#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

namespace paasrun::release {

using json = nlohmann::ordered_json;

namespace {

json process_types_to_json(const ProcessTypes& types) {
    json out = json::array();
    for (const auto& [name, command] : types) out.push_back({{"name", name}, {"command", command}});
    return out;
}

ProcessTypes process_types_from_json(const json& j) {
    ProcessTypes out;
    for (const auto& e : j)
        out.emplace_back(e.at("name").get<std::string>(), e.at("command").get<std::string>());
    return out;
}

json config_to_json(const ConfigVars& vars) {
    json out = json::object();
    for (const auto& [k, v] : vars) out[k] = v;
    return out;
}

ConfigVars config_from_json(const json& j) {
    ConfigVars out;
    for (const auto& [k, v] : j.items()) out[k] = v.get<std::string>();
    return out;
}

ReleaseKind kind_from_string(const std::string& s) {
    if (s == "build") return ReleaseKind::build;
    if (s == "config") return ReleaseKind::config;
    if (s == "rollback") return ReleaseKind::rollback;
    throw std::invalid_argument("unknown release kind \"" + s + "\"");
}

// nlohmann's parse errors carry a byte offset; turn it into line:column of the text.
Where where_of(std::string_view text, std::string_view file, std::size_t byte) {
    Where w{std::string(file), 1, 1};
    for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++w.line;
            w.column = 1;
        } else {
            ++w.column;
        }
    }
    return w;
}

template <typename T, typename F>
Result<T> parse_with(std::string_view text, std::string_view file, F&& build) {
    try {
        auto j = json::parse(text);
        return build(j);
    } catch (const json::parse_error& e) {
        return Error(fmt::format("invalid JSON: {}", e.what()), where_of(text, file, e.byte));
    } catch (const std::exception& e) {
        return Error(fmt::format("invalid contents: {}", e.what()), Where{std::string(file), 0, 0});
    }
}

}  // namespace

std::string_view to_string(ReleaseKind kind) {
    switch (kind) {
        case ReleaseKind::build:
            return "build";
        case ReleaseKind::config:
            return "config";
        case ReleaseKind::rollback:
            return "rollback";
    }
    return "build";
}

std::string release_to_json(const Release& r) {
    json j;
    j["version"] = r.version;
    j["kind"] = to_string(r.kind);
    j["description"] = r.description;
    j["created_at"] = r.created_at;
    j["slug"] = r.slug_id;
    j["source_hash"] = r.source_hash;
    j["config_vars"] = config_to_json(r.config_vars);
    j["process_types"] = process_types_to_json(r.process_types);
    j["release_command"] = r.release_command;
    if (r.kind == ReleaseKind::rollback) j["rollback_of"] = r.rollback_of;
    if (r.kind == ReleaseKind::rollback && r.redeploy) j["redeploy"] = true;
    return j.dump(2) + "\n";
}

Result<Release> parse_release_json(std::string_view text, std::string_view file) {
    return parse_with<Release>(text, file, [](const json& j) {
        Release r;
        r.version = j.at("version").get<int>();
        if (r.version < 1) throw std::invalid_argument("version must be >= 1");
        r.kind = kind_from_string(j.at("kind").get<std::string>());
        r.description = j.value("description", "");
        r.created_at = j.value("created_at", "");
        r.slug_id = j.at("slug").get<std::string>();
        r.source_hash = j.value("source_hash", "");
        r.config_vars = config_from_json(j.value("config_vars", json::object()));
        r.process_types = process_types_from_json(j.value("process_types", json::array()));
        r.release_command = j.value("release_command", "");
        r.rollback_of = j.value("rollback_of", 0);
        r.redeploy = r.kind == ReleaseKind::rollback && j.value("redeploy", false);
        return r;
    });
}

std::string slug_meta_to_json(const SlugMeta& m) {
    json j;
    j["id"] = m.id;
    j["source_hash"] = m.source_hash;
    j["created_at"] = m.created_at;
    j["build_seconds"] = m.build_seconds;
    j["buildpacks"] = json::array();
    for (const auto& b : m.buildpacks)
        j["buildpacks"].push_back({{"name", b.name}, {"source", b.source}, {"version", b.version}});
    j["python_version"] = m.python_version;
    j["default_process_types"] = process_types_to_json(m.default_process_types);
    j["default_config_vars"] = config_to_json(m.default_config_vars);
    j["paasrun_version"] = m.paasrun_version;
    return j.dump(2) + "\n";
}

Result<SlugMeta> parse_slug_meta_json(std::string_view text, std::string_view file) {
    return parse_with<SlugMeta>(text, file, [](const json& j) {
        SlugMeta m;
        m.id = j.at("id").get<std::string>();
        m.source_hash = j.value("source_hash", "");
        m.created_at = j.value("created_at", "");
        m.build_seconds = j.value("build_seconds", 0.0);
        for (const auto& b : j.value("buildpacks", json::array()))
            m.buildpacks.push_back(
                {b.value("name", ""), b.value("source", ""), b.value("version", "")});
        m.python_version = j.value("python_version", "");
        m.default_process_types =
            process_types_from_json(j.value("default_process_types", json::array()));
        m.default_config_vars = config_from_json(j.value("default_config_vars", json::object()));
        m.paasrun_version = j.value("paasrun_version", "");
        return m;
    });
}

Result<int> parse_version(std::string_view text) {
    std::string_view digits = text;
    if (!digits.empty() && (digits.front() == 'v' || digits.front() == 'V'))
        digits.remove_prefix(1);
    int v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || v < 1)
        return Error(fmt::format("\"{}\" is not a release version (expected vN, e.g. v3)", text));
    return v;
}

std::string now_rfc3339() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace paasrun::release
