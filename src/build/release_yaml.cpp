#include "build/release_yaml.hpp"

#include <yaml-cpp/yaml.h>

namespace paasrun::build {

namespace {

Where where_of(const YAML::Mark& m, std::string_view source) {
    return Where{std::string(source), m.line >= 0 ? m.line + 1 : 0,
                 m.column >= 0 ? m.column + 1 : 0};
}

Result<std::vector<std::pair<std::string, std::string>>> string_map(const YAML::Node& n,
                                                                    std::string_view key,
                                                                    std::string_view source) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsMap())
        return Error(fmt::format("`{}` must be a mapping", key), where_of(n.Mark(), source));
    for (const auto& kv : n) {
        if (!kv.first.IsScalar() || !(kv.second.IsScalar() || kv.second.IsNull()))
            return Error(fmt::format("`{}` entries must be `name: string`", key),
                         where_of(kv.first.Mark(), source));
        out.emplace_back(kv.first.Scalar(), kv.second.IsNull() ? "" : kv.second.Scalar());
    }
    return out;
}

}  // namespace

Result<ReleaseOutput> parse_release_output(std::string_view text, std::string_view source) {
    ReleaseOutput out;
    YAML::Node doc;
    try {
        doc = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        return Error(fmt::format("invalid YAML: {}", e.msg), where_of(e.mark, source));
    }
    if (!doc || doc.IsNull()) return out;
    if (!doc.IsMap())
        return Error("expected a mapping with default_process_types / config_vars",
                     where_of(doc.Mark(), source));
    auto types = string_map(doc["default_process_types"], "default_process_types", source);
    if (!types) return std::move(types).error();
    for (auto& [name, command] : *types) {
        if (command.empty())
            return Error(fmt::format("default process type `{}` has an empty command", name),
                         Where{std::string(source), 0, 0});
        out.default_process_types.emplace_back(std::move(name), std::move(command));
    }
    auto vars = string_map(doc["config_vars"], "config_vars", source);
    if (!vars) return std::move(vars).error();
    for (auto& [k, v] : *vars) out.config_vars[k] = v;
    return out;
}

}  // namespace paasrun::build
