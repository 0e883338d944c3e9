// Block-style YAML for the manifests `paasrun export` generates: export builds documents as a
// tree of Node values (kubernetes.cpp reads like the manifest it makes) and yaml-cpp's
// YAML::Emitter prints them. Every string is written double-quoted, so no value can turn into
// another type ("on", "0755", "1e3", "null") or break the structure (": ", "#", newlines),
// whatever the Procfile or manifest holds; the output is plain ASCII (non-ASCII characters and
// DEL as \x/\u escapes, a byte that is not UTF-8 as \ufffd). Keys are written plain when they
// are simple identifiers that YAML 1.1 would not read as a boolean or null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace paasrun::exporting {

class Node {
public:
    using Map = std::vector<std::pair<std::string, Node>>;  // keeps insertion order
    using List = std::vector<Node>;

    Node() : v_(Map{}) {}
    Node(std::string s) : v_(std::move(s)) {}          // NOLINT: values read naturally
    Node(const char* s) : v_(std::string(s)) {}        // NOLINT
    Node(std::int64_t i) : v_(i) {}                    // NOLINT
    Node(int i) : v_(static_cast<std::int64_t>(i)) {}  // NOLINT
    Node(bool b) : v_(b) {}                            // NOLINT
    Node(List l) : v_(std::move(l)) {}                 // NOLINT
    Node(Map m) : v_(std::move(m)) {}                  // NOLINT

    /// A list of strings, e.g. a container command.
    [[nodiscard]] static Node strings(const std::vector<std::string>& items);

    /// Appends key: value to a map node (a default-constructed Node is an empty map).
    Node& set(std::string key, Node value);

    [[nodiscard]] const auto& value() const { return v_; }

private:
    std::variant<Map, List, std::string, std::int64_t, bool> v_;
};

/// Double-quoted YAML scalar (valid YAML 1.2 and 1.1), escaped as described above.
[[nodiscard]] std::string yaml_quote(std::string_view s);

/// One YAML document (no leading `---`), block style, two-space indent, ending in a newline.
[[nodiscard]] std::string to_yaml(const Node& root);

}  // namespace paasrun::exporting
