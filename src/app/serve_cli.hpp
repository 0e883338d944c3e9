// `paasrun serve`'s option layers: the command line, GUNICORN_CMD_ARGS and gunicorn.conf.py,
// each read into the same shape from the one option table (serve/serve_option_table.hpp).
//
// Precedence is gunicorn's (docs.gunicorn.org, "Configuration Overview"): command line >
// GUNICORN_CMD_ARGS > config file > defaults; paasrun.yaml and the environment defaults
// (PORT, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS) fill only what no layer set. A list option
// given in a higher layer replaces the lower layer's list (gunicorn's rule too).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "serve/serve_option_table.hpp"
#include "util/result.hpp"
#include "wsgi/config_file.hpp"

namespace paasrun::app {

/// The options one layer set, in table order, with their values as text.
struct ServeLayer {
    std::string source;  // "command line", "GUNICORN_CMD_ARGS", the config file's path
    std::vector<std::pair<const worker::ServeOptionRow*, std::vector<std::string>>> values;

    [[nodiscard]] const std::vector<std::string>* find(std::string_view wire) const;
};

/// Registers every row of the table, and every gunicorn flag paasrun does not support, on a
/// CLI11 command; after parsing, layer() says what was given.
class ServeCli {
public:
    explicit ServeCli(CLI::App& command);
    ServeCli(const ServeCli&) = delete;
    ServeCli& operator=(const ServeCli&) = delete;

    /// What was given. An unsupported gunicorn flag is an error with one line naming it
    /// and the migration page.
    [[nodiscard]] Result<ServeLayer> layer(std::string source) const;

private:
    struct Bound {
        const worker::ServeOptionRow* row;
        CLI::Option* option;
        std::string single;               // OptionArity::value
        std::vector<std::string> values;  // OptionArity::list
    };
    std::vector<std::unique_ptr<Bound>> bound_;
    std::vector<std::pair<std::string, CLI::Option*>> unsupported_;  // flag -> option
};

/// GUNICORN_CMD_ARGS split like shlex.split and parsed with the same table. An unset or
/// empty variable is an empty layer.
[[nodiscard]] Result<ServeLayer> gunicorn_cmd_args_layer(const char* value);

/// A config file's entries as a layer: settings of the table are taken, unsupported
/// gunicorn settings and hooks are returned as warnings (one per name), other names are
/// helper variables and ignored, as gunicorn ignores them.
struct ConfigLayer {
    ServeLayer layer;
    std::vector<std::string> warnings;
};
[[nodiscard]] ConfigLayer config_file_layer(std::string source,
                                            const std::vector<wsgi::ConfigEntry>& entries);

/// Applies a layer to `o` (set_option per value; lists start over).
[[nodiscard]] Status apply_layer(worker::ServeOptions& o, const ServeLayer& layer);

}  // namespace paasrun::app
