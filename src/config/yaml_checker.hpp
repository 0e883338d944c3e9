// Typed, position-reporting reads of a yaml-cpp node tree: the schema-independent half of
// manifest validation. Internal to src/config (the only module that includes yaml-cpp).
//
// Every check records an Error with file:line:column (yaml-cpp's 0-based Mark converted to
// 1-based) and the dotted key path, and the walk continues, so a file with several mistakes
// reports all of them at once. A check that fails leaves its output untouched (the default).
//
// Typing: integers and booleans must be plain (unquoted) YAML scalars, so `workers: "4"` is
// reported as a string. Durations and sizes are strings by nature ("30s", "10MB") and may be
// quoted. A mapping key with an empty (null) value keeps the default.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace paasrun::config {

class YamlChecker {
public:
    explicit YamlChecker(std::string_view file) : file_(file) {}

    /// Called with the value node and its dotted path ("web.workers").
    using Handler = std::function<void(const YAML::Node& value, const std::string& path)>;
    struct Field {
        std::string_view name;
        Handler handle;
    };

    /// Walks a mapping with a fixed set of keys. Reports a non-mapping, non-scalar or
    /// duplicate keys and unknown keys (with a "did you mean" hint); calls each known key's
    /// handler unless its value is null. A null `map` is accepted (all defaults).
    void fields(const YAML::Node& map, const std::string& path, const std::vector<Field>& table);

    /// Walks a mapping with free-form keys (formation, env): reports a non-mapping,
    /// non-scalar and duplicate keys, then calls `each(key, value)` for every pair, null
    /// values included.
    void entries(const YAML::Node& map, const std::string& path,
                 const std::function<void(const YAML::Node& key, const YAML::Node& value)>& each);

    bool string(const YAML::Node& v, const std::string& path, std::string& out);
    bool boolean(const YAML::Node& v, const std::string& path, bool& out);
    bool integer(const YAML::Node& v, const std::string& path, int& out, long long lo,
                 long long hi);
    /// Seconds; `lo` is inclusive unless `lo_exclusive` (for "must be > 0").
    bool duration(const YAML::Node& v, const std::string& path, double& out, double lo,
                  bool lo_exclusive);
    bool size(const YAML::Node& v, const std::string& path, long long& out, long long lo,
              long long hi);
    /// A sequence of scalars.
    bool string_list(const YAML::Node& v, const std::string& path, std::vector<std::string>& out);

    void error(const YAML::Node& at, const std::string& path, std::string_view message);
    void error(const YAML::Mark& at, std::string message);

    [[nodiscard]] Where where(const YAML::Mark& mark) const;
    [[nodiscard]] Where where(const YAML::Node& node) const { return where(node.Mark()); }

    std::vector<Error>& errors() { return errors_; }

    /// "a mapping", "a list", "nothing (null)" or the quoted scalar, for messages.
    [[nodiscard]] static std::string describe(const YAML::Node& v);

private:
    std::string file_;
    std::vector<Error> errors_;
};

}  // namespace paasrun::config
