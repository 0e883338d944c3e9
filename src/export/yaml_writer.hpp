// A small block-style YAML writer for the manifests `paasrun export` generates.
//
// src/config is the only module that includes yaml-cpp (docs/architecture.md), so export
// builds documents as a tree of Node values and prints them here. Every string is written
// double-quoted with JSON-compatible escapes, so no value can turn into another type
// ("on", "0755", "1e3", "null") or break the structure (": ", "#", newlines), whatever
// the Procfile or manifest holds. Keys are written plain when they are simple identifiers.
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
    Node(std::string s) : v_(std::move(s)) {}              // NOLINT: values read naturally
    Node(const char* s) : v_(std::string(s)) {}            // NOLINT
    Node(std::int64_t i) : v_(i) {}                        // NOLINT
    Node(int i) : v_(static_cast<std::int64_t>(i)) {}      // NOLINT
    Node(bool b) : v_(b) {}                                // NOLINT
    Node(List l) : v_(std::move(l)) {}                     // NOLINT
    Node(Map m) : v_(std::move(m)) {}                      // NOLINT

    /// A list of strings, e.g. a container command.
    [[nodiscard]] static Node strings(const std::vector<std::string>& items);

    /// Appends key: value to a map node (a default-constructed Node is an empty map).
    Node& set(std::string key, Node value);

    [[nodiscard]] const auto& value() const { return v_; }

private:
    std::variant<Map, List, std::string, std::int64_t, bool> v_;
};

/// JSON-style double-quoted scalar (valid YAML 1.2 and 1.1).
[[nodiscard]] std::string yaml_quote(std::string_view s);

/// One YAML document (no leading `---`), block style, two-space indent, ending in a newline.
[[nodiscard]] std::string to_yaml(const Node& root);

}  // namespace paasrun::exporting
