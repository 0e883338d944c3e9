#include "config/yaml_checker.hpp"

#include <algorithm>
#include <set>

#include "config/scalars.hpp"

namespace paasrun::config {

namespace {

std::string join_path(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

// Levenshtein distance, for "did you mean" hints on misspelt keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_plain(const YAML::Node& v) {
    return v.Tag() == "?";
}

}  // namespace

Where YamlChecker::where(const YAML::Mark& mark) const {
    if (mark.is_null()) return Where{file_, 0, 0};
    return Where{file_, mark.line + 1, mark.column + 1};  // yaml-cpp marks are 0-based
}

void YamlChecker::error(const YAML::Mark& at, std::string message) {
    errors_.emplace_back(std::move(message), where(at));
}

void YamlChecker::error(const YAML::Node& at, const std::string& path, std::string_view message) {
    error(at.Mark(), path.empty() ? std::string(message) : fmt::format("{}: {}", path, message));
}

std::string YamlChecker::describe(const YAML::Node& v) {
    if (v.IsNull()) return "nothing (null)";
    if (v.IsMap()) return "a mapping";
    if (v.IsSequence()) return "a list";
    const std::string& s = v.Scalar();
    std::string shown = s.size() > 40 ? s.substr(0, 40) + "..." : s;
    if (!is_plain(v)) return fmt::format("the string \"{}\"", shown);
    return fmt::format("\"{}\"", shown);
}

void YamlChecker::entries(
    const YAML::Node& map, const std::string& path,
    const std::function<void(const YAML::Node& key, const YAML::Node& value)>& each) {
    if (map.IsNull()) return;
    if (!map.IsMap())
        return error(map, path, fmt::format("expected a mapping, got {}", describe(map)));
    std::set<std::string, std::less<>> seen;
    for (const auto& kv : map) {
        const YAML::Node& key = kv.first;
        if (!key.IsScalar()) {
            error(key, path, fmt::format("keys must be strings, got {}", describe(key)));
            continue;
        }
        if (!seen.insert(key.Scalar()).second) {
            error(key, join_path(path, key.Scalar()), "duplicate key");
            continue;
        }
        each(key, kv.second);
    }
}

void YamlChecker::fields(const YAML::Node& map, const std::string& path,
                         const std::vector<Field>& table) {
    entries(map, path, [&](const YAML::Node& key, const YAML::Node& value) {
        const std::string& name = key.Scalar();
        auto field = std::find_if(table.begin(), table.end(),
                                  [&](const Field& f) { return f.name == name; });
        if (field == table.end()) {
            std::string_view best;
            std::size_t best_distance = 3;  // hint only for near misses
            for (const auto& f : table) {
                std::size_t d = edit_distance(lower(name), f.name);
                if (d < best_distance) {
                    best_distance = d;
                    best = f.name;
                }
            }
            std::string where_in = path.empty() ? "at the top level" : fmt::format("in {}", path);
            if (!best.empty())
                return error(key.Mark(), fmt::format("unknown key \"{}\" {} (did you mean \"{}\"?)",
                                                     name, where_in, best));
            std::string allowed;
            for (const auto& f : table)
                allowed += fmt::format("{}{}", allowed.empty() ? "" : ", ", f.name);
            return error(key.Mark(), fmt::format("unknown key \"{}\" {} (allowed: {})", name,
                                                 where_in, allowed));
        }
        if (value.IsNull()) return;  // `key:` with no value keeps the default
        field->handle(value, join_path(path, name));
    });
}

bool YamlChecker::string(const YAML::Node& v, const std::string& path, std::string& out) {
    if (!v.IsScalar()) {
        error(v, path, fmt::format("expected a string, got {}", describe(v)));
        return false;
    }
    out = v.Scalar();
    return true;
}

bool YamlChecker::boolean(const YAML::Node& v, const std::string& path, bool& out) {
    if (v.IsScalar() && is_plain(v)) {
        // YAML 1.1 spellings as well as 1.2's true/false: people write `yes` in configs.
        std::string s = lower(v.Scalar());
        bool yes = s == "true" || s == "yes" || s == "on";
        bool no = s == "false" || s == "no" || s == "off";
        if (yes || no) {
            out = yes;
            return true;
        }
    }
    error(v, path, fmt::format("expected true or false, got {}", describe(v)));
    return false;
}

bool YamlChecker::integer(const YAML::Node& v, const std::string& path, int& out, long long lo,
                          long long hi) {
    auto range =
        hi == (1LL << 31) - 1 ? fmt::format(">= {}", lo) : fmt::format("from {} to {}", lo, hi);
    std::optional<long long> n;
    if (v.IsScalar() && is_plain(v)) n = parse_integer(v.Scalar());
    if (!n) {
        error(v, path, fmt::format("expected an integer, got {}", describe(v)));
        return false;
    }
    if (*n < lo || *n > hi) {
        error(v, path, fmt::format("must be an integer {}, got {}", range, *n));
        return false;
    }
    out = static_cast<int>(*n);
    return true;
}

bool YamlChecker::duration(const YAML::Node& v, const std::string& path, double& out, double lo,
                           bool lo_exclusive) {
    std::optional<double> d;
    if (v.IsScalar()) d = parse_duration(v.Scalar());
    if (!d) {
        error(v, path,
              fmt::format("expected a duration (seconds, or with a unit: 500ms, 30s, 2m, 1h), "
                          "got {}",
                          describe(v)));
        return false;
    }
    if (lo_exclusive ? !(*d > lo) : !(*d >= lo)) {
        error(v, path,
              fmt::format("must be {} {} seconds, got {}", lo_exclusive ? ">" : ">=", lo,
                          v.Scalar()));
        return false;
    }
    out = *d;
    return true;
}

bool YamlChecker::size(const YAML::Node& v, const std::string& path, long long& out, long long lo,
                       long long hi) {
    std::optional<long long> n;
    if (v.IsScalar()) n = parse_size(v.Scalar());
    if (!n) {
        error(v, path,
              fmt::format("expected a size (bytes, or with a unit: 512K, 10MB, 1GiB), got {}",
                          describe(v)));
        return false;
    }
    if (*n < lo || *n > hi) {
        error(v, path, fmt::format("must be from {} to {} bytes, got {}", lo, hi, v.Scalar()));
        return false;
    }
    out = *n;
    return true;
}

bool YamlChecker::string_list(const YAML::Node& v, const std::string& path,
                              std::vector<std::string>& out) {
    if (!v.IsSequence()) {
        error(v, path, fmt::format("expected a list of strings, got {}", describe(v)));
        return false;
    }
    std::vector<std::string> items;
    bool ok = true;
    std::size_t i = 0;
    for (const auto& item : v) {
        ++i;
        if (!item.IsScalar()) {
            error(item, fmt::format("{}[{}]", path, i - 1),
                  fmt::format("expected a string, got {}", describe(item)));
            ok = false;
            continue;
        }
        items.push_back(item.Scalar());
    }
    if (ok) out = std::move(items);
    return ok;
}

}  // namespace paasrun::config
