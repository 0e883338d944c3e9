// Documentation generated from the CLI definition (cli_tree.hpp), so it cannot drift from the
// options the binary accepts: the man page paasrun.1 (roff, `man -l paasrun.1`) and the bash
// and zsh completion scripts. The build writes them with the hidden `paasrun __manpage` and
// `paasrun __completion bash|zsh` commands (CMakeLists.txt) and `cmake --install` installs
// them (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace paasrun::app {

/// paasrun.1 in man(7) roff.
[[nodiscard]] std::string man_page(const CLI::App& root, std::string_view version);
/// A bash script defining `_paasrun` and `complete -F _paasrun paasrun`.
[[nodiscard]] std::string bash_completion(const CLI::App& root);
/// A zsh completion function file (`_paasrun`, for a directory on $fpath).
[[nodiscard]] std::string zsh_completion(const CLI::App& root);

}  // namespace paasrun::app
