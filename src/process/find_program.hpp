// find_program(): a program's path by the shell's PATH rule, for the few places paasrun runs a
// program by name (`paasrun dashboard --open` runs xdg-open). process::spawn() itself does no
// PATH search: the supervisor's processes go through a shell, and everything else names a path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace paasrun::process {

/// `name` itself when it contains a '/', else the first `dir/name` in the colon-separated
/// `path` (an empty entry is the current directory, as for execvp) that is a regular file this
/// user may execute; nullopt when there is none.
[[nodiscard]] std::optional<std::string> find_program(std::string_view name, std::string_view path);

}  // namespace paasrun::process
