// The one table of `paasrun serve`'s options.
//
// Every option exists once, as a row here, and everything that lists options walks the rows:
//   - the command line: app/serve_cli.cpp registers each row's `flags` with CLI11, also for
//     GUNICORN_CMD_ARGS, and takes gunicorn.conf.py settings by the row's `gunicorn` name;
//   - the arbiter -> worker hand-over: to_args()/from_args() (serve_options.hpp) write and
//     read every row with a `wire` name as "--wire=value";
//   - the docs: `paasrun serve --print-options-table` prints the Markdown table that
//     docs/serve.md carries between its "options-table" markers (a unit test compares them);
//   - --print-config prints every wire row's resolved value.
// A row without a `wire` name is an alias with another value language (gunicorn's
// --access-logfile, where "-" means stdout) for the member of a row that has one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "serve/serve_options.hpp"
#include "util/result.hpp"

namespace paasrun::worker {

using OptionMember = std::variant<std::string ServeOptions::*,
                                  std::vector<std::string> ServeOptions::*, int ServeOptions::*,
                                  std::uint64_t ServeOptions::*, AccessLogFormat ServeOptions::*,
                                  std::vector<StaticMount> ServeOptions::*, bool ServeOptions::*>;

enum class OptionArity : std::uint8_t {
    value,  // one value; a later one replaces it
    list,   // repeatable; each layer (config file, GUNICORN_CMD_ARGS, command line) replaces
            // the lists of the layers below it, as gunicorn does
    flag,   // no value on the command line ("--static-cors"); "true"/"false" elsewhere
};

/// Converts one value for a row whose value language differs from the member's (aliases,
/// checked enumerations). `first` is true for the first value of a list option in a layer.
using OptionSetter = Status (*)(ServeOptions& o, std::string_view value, bool first);

struct ServeOptionRow {
    std::string_view flags;  // CLI11 spelling: "-b,--bind"
    std::string_view wire;   // to_args name; "" = alias, not sent to workers
    OptionMember member;     // the field this row sets
    OptionArity arity = OptionArity::value;
    std::string_view gunicorn;      // gunicorn setting name (gunicorn.conf.py); "" = paasrun's
    std::string_view help;          // one line: --help and docs/serve.md
    std::string_view default_text;  // the default as the docs say it
    OptionSetter set = nullptr;     // nullptr: the member's own parse (numbers, true/false)
};

[[nodiscard]] std::span<const ServeOptionRow> serve_option_table();

[[nodiscard]] const ServeOptionRow* find_option_by_wire(std::string_view wire);
[[nodiscard]] const ServeOptionRow* find_option_by_gunicorn(std::string_view setting);

/// The wire name of the row that owns `row`'s member (itself unless `row` is an alias).
[[nodiscard]] std::string_view primary_wire_name(const ServeOptionRow& row);

/// Sets one value of `row` from text. For list rows, `first` clears the list before the
/// value is added. An error names the option.
[[nodiscard]] Status set_option(ServeOptions& o, const ServeOptionRow& row, std::string_view value,
                                bool first);

/// The member's current value as text, lists comma-joined (for --print-config).
[[nodiscard]] std::string option_value_text(const ServeOptions& o, const ServeOptionRow& row);

/// The Markdown table of every row with flags (docs/serve.md between its markers).
[[nodiscard]] std::string options_markdown_table();

}  // namespace paasrun::worker
