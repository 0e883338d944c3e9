#include "export/yaml_writer.hpp"

#include <fmt/format.h>

namespace paasrun::exporting {

namespace {

bool plain_key(std::string_view k) {
    if (k.empty()) return false;
    for (char c : k) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '-' || c == '.' || c == '/';
        if (!ok) return false;
    }
    // Keys that YAML 1.1 would read as booleans or null stay quoted.
    for (std::string_view word : {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "Y", "N"})
        if (k == word) return false;
    return !(k[0] >= '0' && k[0] <= '9') && k[0] != '-' && k[0] != '.';
}

std::string key_text(const std::string& k) { return plain_key(k) ? k : yaml_quote(k); }

bool is_collection(const Node& n) {
    return std::holds_alternative<Node::Map>(n.value()) || std::holds_alternative<Node::List>(n.value());
}

bool is_empty_collection(const Node& n) {
    if (const auto* m = std::get_if<Node::Map>(&n.value())) return m->empty();
    if (const auto* l = std::get_if<Node::List>(&n.value())) return l->empty();
    return false;
}

std::string scalar_text(const Node& n) {
    if (const auto* s = std::get_if<std::string>(&n.value())) return yaml_quote(*s);
    if (const auto* i = std::get_if<std::int64_t>(&n.value())) return std::to_string(*i);
    if (const auto* b = std::get_if<bool>(&n.value())) return *b ? "true" : "false";
    if (std::holds_alternative<Node::Map>(n.value())) return "{}";
    return "[]";
}

void write(std::string& out, const Node& n, int indent);

// A value after "key:" or "- ": scalars and empty collections stay on the line.
void write_value(std::string& out, const Node& v, int indent, bool after_dash) {
    if (!is_collection(v) || is_empty_collection(v)) {
        out += ' ';
        out += scalar_text(v);
        out += '\n';
        return;
    }
    if (after_dash && std::holds_alternative<Node::Map>(v.value())) {
        // "- key: value" with the rest of the map aligned under the first key.
        const auto& m = std::get<Node::Map>(v.value());
        bool first = true;
        for (const auto& [k, val] : m) {
            if (!first) out.append(static_cast<std::size_t>(indent), ' ');
            else out += ' ';
            first = false;
            out += key_text(k);
            out += ':';
            write_value(out, val, indent + 2, false);
        }
        return;
    }
    out += '\n';
    write(out, v, indent);
}

void write(std::string& out, const Node& n, int indent) {
    std::string pad(static_cast<std::size_t>(indent), ' ');
    if (const auto* m = std::get_if<Node::Map>(&n.value())) {
        for (const auto& [k, v] : *m) {
            out += pad + key_text(k) + ':';
            write_value(out, v, indent + 2, false);
        }
        return;
    }
    if (const auto* l = std::get_if<Node::List>(&n.value())) {
        for (const auto& item : *l) {
            out += pad + '-';
            write_value(out, item, indent + 2, true);
        }
        return;
    }
    out += pad + scalar_text(n) + '\n';
}

}  // namespace

Node Node::strings(const std::vector<std::string>& items) {
    List l;
    l.reserve(items.size());
    for (const auto& s : items) l.emplace_back(s);
    return Node(std::move(l));
}

Node& Node::set(std::string key, Node value) {
    if (!std::holds_alternative<Map>(v_)) v_ = Map{};
    std::get<Map>(v_).emplace_back(std::move(key), std::move(value));
    return *this;
}

std::string yaml_quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
                else out += static_cast<char>(c);
        }
    }
    out += '"';
    return out;
}

std::string to_yaml(const Node& root) {
    std::string out;
    write(out, root, 0);
    return out;
}

}  // namespace paasrun::exporting
