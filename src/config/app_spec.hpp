// gunicorn's APP_MODULE grammar, "module[:expression]", checked without Python. One parser
// for both places that take it: `paasrun serve APP` (wsgi/app.hpp loads the result) and
// paasrun.yaml's `web.app` (config/manifest.cpp), so the manifest accepts exactly what
// serve does, factory calls included.
#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace paasrun::config {

/// A parsed "module[:expression]".
///   "pkg.mod"                 -> module "pkg.mod", attribute "application"
///   "pkg.mod:app"             -> attribute "app" (dotted "a.b" walks attributes)
///   "pkg.mod:create_app()"    -> call with no arguments
///   "pkg.mod:create_app('x', debug=True)" -> call with literal args (ast.literal_eval rules)
struct AppSpec {
    std::string module;
    std::string attribute;  // dotted name; never empty
    std::string call_args;  // text inside the parentheses ("" = no call or an empty call)
    bool is_call = false;

    bool operator==(const AppSpec&) const = default;
};

/// Parses the spec. Pure: checks the shape (module path of identifiers separated by '.',
/// attribute likewise, optional balanced "(...)" at the end); the literals inside the
/// parentheses are checked by Python at load time. Error column = 1-based offset.
[[nodiscard]] Result<AppSpec> parse_app_spec(std::string_view text);

}  // namespace paasrun::config
