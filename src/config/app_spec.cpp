// parse_app_spec: gunicorn's "module:callable" grammar, checked without Python.
#include "config/app_spec.hpp"

#include <fmt/format.h>

namespace paasrun::config {
namespace {

bool ident_start(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool ident_char(char c) {
    return ident_start(c) || (c >= '0' && c <= '9');
}

// Position (0-based) of the first byte that breaks "ident(.ident)*", or npos when valid.
std::size_t check_dotted(std::string_view s) {
    bool at_start = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (at_start) {
            if (!ident_start(c)) return i;
            at_start = false;
            continue;
        }
        if (c == '.') {
            at_start = true;
            continue;
        }
        if (!ident_char(c)) return i;
    }
    return at_start ? s.size() : std::string_view::npos;  // empty, or trailing '.'
}

Error spec_error(std::string_view text, std::size_t at, std::string_view why) {
    return Error(fmt::format("invalid app spec '{}': {}", text, why),
                 Where{{}, 1, static_cast<int>(at) + 1});
}

}  // namespace

Result<AppSpec> parse_app_spec(std::string_view text) {
    AppSpec spec;
    std::size_t colon = text.find(':');
    std::string_view module = text.substr(0, colon);
    if (auto bad = check_dotted(module); bad != std::string_view::npos)
        return spec_error(text, bad, "expected MODULE[:CALLABLE], MODULE a dotted Python name");
    spec.module = std::string(module);
    if (colon == std::string_view::npos) {
        spec.attribute = "application";  // gunicorn's default callable name
        return spec;
    }
    std::string_view expr = text.substr(colon + 1);
    std::size_t paren = expr.find('(');
    std::string_view name = expr.substr(0, paren);
    if (auto bad = check_dotted(name); bad != std::string_view::npos)
        return spec_error(text, colon + 1 + bad, "CALLABLE must be a dotted Python name");
    spec.attribute = std::string(name);
    if (paren == std::string_view::npos) return spec;
    if (expr.back() != ')')
        return spec_error(text, text.size() - 1, "a factory call must end with ')'");
    spec.is_call = true;
    spec.call_args = std::string(expr.substr(paren + 1, expr.size() - paren - 2));
    return spec;
}

}  // namespace paasrun::config
