#include "util/log_fields.hpp"

#include <fmt/format.h>

namespace paasrun::log {
namespace {

// Reads one value at `pos` (bare up to a space, or "quoted" with log::quote's escapes).
std::string read_value(std::string_view text, std::size_t& pos) {
    std::string out;
    if (pos < text.size() && text[pos] == '"') {
        ++pos;
        while (pos < text.size() && text[pos] != '"') {
            char c = text[pos++];
            if (c != '\\' || pos >= text.size()) {
                out += c;
                continue;
            }
            char e = text[pos++];
            switch (e) {
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'x':
                    if (pos + 2 <= text.size()) {
                        out += static_cast<char>(
                            std::stoi(std::string(text.substr(pos, 2)), nullptr, 16));
                        pos += 2;
                    }
                    break;
                default:
                    out += e;
            }
        }
        if (pos < text.size()) ++pos;  // closing quote
        return out;
    }
    auto end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    out = std::string(text.substr(pos, end - pos));
    pos = end;
    return out;
}

}  // namespace

const std::string* Fields::get(std::string_view key) const {
    for (const auto& [k, v] : fields)
        if (k == key) return &v;
    return nullptr;
}

Fields parse_fields(std::string_view text) {
    Fields f;
    std::size_t pos = 0;
    // The message: words up to the first one holding '=' (log.cpp's split_message rule).
    while (pos < text.size()) {
        auto end = text.find(' ', pos);
        auto word = text.substr(pos, end == std::string_view::npos ? text.npos : end - pos);
        auto eq = word.find('=');
        if (eq != std::string_view::npos && eq > 0) break;
        if (!f.msg.empty()) f.msg += ' ';
        f.msg += word;
        if (end == std::string_view::npos) return f;
        pos = end + 1;
    }
    while (pos < text.size()) {
        while (pos < text.size() && text[pos] == ' ') ++pos;
        if (pos >= text.size()) break;
        auto end = text.find_first_of(" =", pos);
        if (end == std::string_view::npos || text[end] == ' ') {
            f.fields.emplace_back(
                "", std::string(
                        text.substr(pos, end == std::string_view::npos ? text.npos : end - pos)));
            pos = end == std::string_view::npos ? text.size() : end;
            continue;
        }
        std::string key(text.substr(pos, end - pos));
        pos = end + 1;
        f.fields.emplace_back(std::move(key), read_value(text, pos));
    }
    return f;
}

void append_json_string(std::string& out, std::string_view s, NonAscii non_ascii) {
    out += '"';
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || (non_ascii == NonAscii::escape && c >= 0x7f))
                    out += fmt::format("\\u{:04x}", c);
                else
                    out += ch;
        }
    }
    out += '"';
}

std::string json_string(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

std::string json_line(std::string_view time, std::string_view level, std::string_view component,
                      const Fields& f) {
    std::string out = "{\"time\":" + json_string(time) + ",\"level\":" + json_string(level) +
                      ",\"component\":" + json_string(component) + ",\"msg\":" + json_string(f.msg);
    for (const auto& [k, v] : f.fields) {
        // A key that would clash with the envelope keeps its value under "field_KEY".
        std::string key = k.empty() ? "extra" : k;
        if (key == "time" || key == "level" || key == "component" || key == "msg")
            key = "field_" + key;
        out += "," + json_string(key) + ":" + json_string(v);
    }
    out += '}';
    return out;
}

}  // namespace paasrun::log
