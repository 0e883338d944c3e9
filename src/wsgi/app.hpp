// Loading the WSGI application ("module:callable", gunicorn's syntax) and the per-process
// state shared by every request: the callable, the prebuilt environ template with interned
// keys, the wsgi.errors stream and small caches of header-name keys.
//
//   auto app = wsgi::App::load("hello:application", {.multithread = threads > 1, ...});
//   if (!app) { fputs(app.error().message.c_str(), stderr); return kExitAppLoadError; }
//
// Threading: an App is shared by all app threads of the worker; every member needs the
// GIL (which also serialises its caches). It must outlive every Exchange that uses it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/app_spec.hpp"
#include "util/result.hpp"

namespace paasrun::wsgi {

// The "module[:expression]" grammar is config's (config/app_spec.hpp): paasrun.yaml's
// `web.app` is checked with the same parser that serve loads with.
using config::AppSpec;
using config::parse_app_spec;

/// Receives one line written to wsgi.errors (without its '\n'). Called with the GIL held;
/// must not call into Python. Default: the line plus '\n' to fd 2 in one write(2).
using ErrorsHandler = std::function<void(std::string_view line)>;

struct AppOptions {
    bool multithread = false;                 // wsgi.multithread: --threads > 1
    bool multiprocess = false;                // wsgi.multiprocess: --workers > 1 (or unknown)
    std::string server_software = "paasrun";  // SERVER_SOFTWARE
    ErrorsHandler errors;                     // wsgi.errors sink (see ErrorsHandler)
};

class App {
public:
    /// Imports the module, resolves the attribute, calls the factory when the spec is a
    /// call, checks the result is callable, builds the environ template. GIL held.
    /// On failure the Error's message is the formatted Python traceback (or a one-line
    /// reason), ready to print before exiting with kExitAppLoadError.
    [[nodiscard]] static Result<App> load(std::string_view spec, const AppOptions& options);

    /// Same with an already parsed spec.
    [[nodiscard]] static Result<App> load(const AppSpec& spec, const AppOptions& options);

    App(App&&) noexcept;
    App& operator=(App&&) noexcept;
    App(const App&) = delete;
    App& operator=(const App&) = delete;
    /// GIL held (drops Python references).
    ~App();

    struct State;  // private to src/wsgi (Python objects live here)
    [[nodiscard]] State& state() const { return *state_; }

private:
    explicit App(std::unique_ptr<State> s);
    std::unique_ptr<State> state_;
};

}  // namespace paasrun::wsgi
