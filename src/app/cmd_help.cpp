// `paasrun help [COMMAND]`, `paasrun version` (also `--version`), and the hidden generators
// `paasrun __manpage` and `paasrun __completion bash|zsh` (manpage.hpp) the build runs to write
// the man page and completions. An unknown command is caught before parsing (main.cpp:
// unknown_command) so it can be told apart from a bad argument and get a suggestion.
// Python.h first: it sets feature macros that system headers read.
#include <Python.h>
#include <fmt/format.h>
#include <sys/utsname.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "app/build_info.hpp"
#include "app/cli_tree.hpp"
#include "app/commands.hpp"
#include "app/manpage.hpp"
#include "util/did_you_mean.hpp"

namespace paasrun::app {

std::string version_string() {
    // Py_GetVersion() is safe before Py_Initialize: the libpython actually loaded, which is
    // what serve embeds ("3.11.2 (main, ...) [GCC ...]": the first word is the version).
    std::string python = Py_GetVersion();
    python = python.substr(0, python.find(' '));
    utsname u{};
    std::string machine = ::uname(&u) == 0 ? u.machine : "unknown";
    return fmt::format("paasrun/{} commit {} linux-{} python-{}", PAASRUN_VERSION,
                       PAASRUN_GIT_COMMIT, machine, python);
}

namespace {

// Prints `text`, or writes it to `path` (for the build: CMake cannot redirect portably).
int emit(std::string_view command, const std::string& text, const std::string& path) {
    if (path.empty()) {
        fmt::print("{}", text);
        return 0;
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
        fmt::print(stderr, "paasrun {}: error: cannot write {}\n", command, path);
        return 1;
    }
    return 0;
}

}  // namespace

int unknown_command(const CLI::App& root, std::string_view word) {
    std::vector<std::string> names;
    for (const auto& e : command_list(root)) names.push_back(e.name);
    fmt::print(stderr, "paasrun: '{}' is not a paasrun command.", word);
    if (auto near = util::nearest(word, names)) fmt::print(stderr, " Did you mean {}?", *near);
    fmt::print(stderr, "\nSee `paasrun help` for the list of commands.\n");
    return 2;
}

void register_help(CLI::App& app, Commands& cmds) {
    CLI::App* root = &app;
    auto words = std::make_shared<std::vector<std::string>>();
    auto* help =
        app.add_subcommand("help", "Show the commands, or one command's options (help config:set)");
    help->add_option("command", *words, "COMMAND (config:set, or the words: config set)");
    cmds.add(help, [root, words]() -> int {
        // Through the formatter: App::help() would describe the selected subcommand (help).
        auto formatter = root->get_formatter();
        if (words->empty()) {
            fmt::print("{}",
                       formatter->make_help(root, root->get_name(), CLI::AppFormatMode::Normal));
            return 0;
        }
        std::string name;
        for (const auto& w : *words) name += (name.empty() ? "" : ":") + w;
        const CLI::App* sub = find_command(*root, name);
        if (!sub) return unknown_command(*root, name);
        fmt::print("{}", formatter->make_help(sub, sub->get_name(), CLI::AppFormatMode::Normal));
        return 0;
    });

    auto* version = app.add_subcommand(
        "version", "Print paasrun's version, git commit and embedded Python version");
    cmds.add(version, [] {
        fmt::print("{}\n", version_string());
        return 0;
    });

    auto man_out = std::make_shared<std::string>();
    auto* man = app.add_subcommand("__manpage", "internal: print the man page paasrun.1 (roff)");
    man->group("");
    man->add_option("-o,--output", *man_out, "Write it to this file (its directory is created)");
    cmds.add(man, [root, man_out] {
        return emit("__manpage", man_page(*root, PAASRUN_VERSION), *man_out);
    });

    auto shell = std::make_shared<std::string>();
    auto completion_out = std::make_shared<std::string>();
    auto* completion =
        app.add_subcommand("__completion", "internal: print a shell completion script");
    completion->group("");
    completion->add_option("shell", *shell, "bash | zsh")
        ->required()
        ->check(CLI::IsMember({"bash", "zsh"}));
    completion->add_option("-o,--output", *completion_out,
                           "Write it to this file (its directory is created)");
    cmds.add(completion, [root, shell, completion_out] {
        return emit("__completion",
                    *shell == "bash" ? bash_completion(*root) : zsh_completion(*root),
                    *completion_out);
    });
}

}  // namespace paasrun::app
