// Procfile parsing, with Heroku's rules.
//
//   web: paasrun serve app:application
//   worker: python jobs.py      # a comment is part of the command, as on Heroku
//   release: python manage.py migrate
//
// - One `name: command` per line; blank lines and lines starting with `#` (after optional
//   whitespace) are ignored; CRLF line endings and a leading UTF-8 BOM are accepted; spaces
//   or tabs before the name are skipped.
// - Names match [A-Za-z0-9_-]+; a duplicate name is an error that names both lines.
// - The command is everything after the first `:` and the whitespace after it (trailing
//   spaces/tabs dropped); an empty command, or one containing a NUL byte, is an error.
// - Unlike Heroku, which silently skips lines it cannot parse, every such line is an error.
// - Error columns are 1-based byte offsets within the line.
// - `release` is the release phase: it is returned separately and is never part of the
//   long-running formation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace paasrun::config {

struct ProcessType {
    std::string name;
    std::string command;
    int line = 0;  // where it was declared, for messages
};

struct Procfile {
    std::vector<ProcessType> processes;  // long-running types, in file order (no `release`)
    std::optional<ProcessType> release;  // the release-phase command, if any

    /// The long-running type with this name, or nullptr (`release` is not one: use `release`).
    [[nodiscard]] const ProcessType* find(std::string_view name) const;
};

/// Parses Procfile text. Pure: no I/O. `file` only labels errors. Stops at the first error.
[[nodiscard]] Result<Procfile> parse_procfile(std::string_view text,
                                              std::string_view file = "Procfile");

/// Like parse_procfile but collects every error (for `paasrun check`).
[[nodiscard]] std::vector<Error> check_procfile(std::string_view text,
                                                std::string_view file = "Procfile");

/// Reads and parses a Procfile from disk.
[[nodiscard]] Result<Procfile> load_procfile(const std::string& path);

}  // namespace paasrun::config
