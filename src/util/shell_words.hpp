// Splitting a command line held in one string (GUNICORN_CMD_ARGS) the way Python's
// shlex.split() does in POSIX mode, which is what gunicorn applies to it: whitespace
// separates words; '...' keeps everything literally; "..." keeps everything but lets a
// backslash escape \ " $ ` and newline; outside quotes a backslash escapes the next
// character. Pure. An unterminated quote or a trailing backslash is an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace paasrun {

[[nodiscard]] Result<std::vector<std::string>> split_shell_words(std::string_view text);

}  // namespace paasrun
