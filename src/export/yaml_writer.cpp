#include "export/yaml_writer.hpp"

#include <yaml-cpp/yaml.h>

namespace paasrun::exporting {

namespace {

bool plain_key(std::string_view k) {
    if (k.empty()) return false;
    for (char c : k) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.' || c == '/';
        if (!ok) return false;
    }
    // Keys that YAML 1.1 would read as booleans or null stay quoted.
    for (std::string_view word :
         {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "Y", "N"})
        if (k == word) return false;
    return !(k[0] >= '0' && k[0] <= '9') && k[0] != '-' && k[0] != '.';
}

void emit(YAML::Emitter& e, const Node& n) {
    if (const auto* m = std::get_if<Node::Map>(&n.value())) {
        if (m->empty()) e << YAML::Flow;  // {} on the key's line
        e << YAML::BeginMap;
        for (const auto& [k, v] : *m) {
            e << YAML::Key;
            if (!plain_key(k)) e << YAML::DoubleQuoted;
            e << k << YAML::Value;
            emit(e, v);
        }
        e << YAML::EndMap;
    } else if (const auto* l = std::get_if<Node::List>(&n.value())) {
        if (l->empty()) e << YAML::Flow;  // []
        e << YAML::BeginSeq;
        for (const auto& item : *l) emit(e, item);
        e << YAML::EndSeq;
    } else if (const auto* str = std::get_if<std::string>(&n.value())) {
        e << YAML::DoubleQuoted << *str;
    } else if (const auto* i = std::get_if<std::int64_t>(&n.value())) {
        e << *i;
    } else {
        e << std::get<bool>(n.value());
    }
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
    YAML::Emitter e;
    e.SetOutputCharset(YAML::EscapeNonAscii);
    e << YAML::DoubleQuoted << std::string(s);
    return e.c_str();
}

std::string to_yaml(const Node& root) {
    YAML::Emitter e;
    e.SetIndent(2);
    e.SetBoolFormat(YAML::TrueFalseBool);
    e.SetBoolFormat(YAML::LowerCase);
    e.SetOutputCharset(YAML::EscapeNonAscii);  // plain ASCII out: no raw DEL or stray byte
    emit(e, root);
    std::string out = e.c_str();
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out;
}

}  // namespace paasrun::exporting
