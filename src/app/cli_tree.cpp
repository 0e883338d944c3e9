#include "app/cli_tree.hpp"

#include <algorithm>
#include <functional>
#include <sstream>

namespace paasrun::app {

namespace {

bool hidden(const CLI::App& a) {
    return a.get_group().empty();
}

void collect(const CLI::App& parent, bool include_hidden, std::vector<CommandEntry>& out) {
    for (const CLI::App* sub : parent.get_subcommands(std::function<bool(const CLI::App*)>{})) {
        if (sub->get_name().empty() || (!include_hidden && hidden(*sub))) continue;
        out.push_back({command_name(*sub), sub});
        collect(*sub, include_hidden, out);
    }
}

}  // namespace

std::string command_name(const CLI::App& sub) {
    std::string name = sub.get_name();
    for (const CLI::App* p = sub.get_parent(); p && p->get_parent(); p = p->get_parent())
        name = p->get_name() + ":" + name;
    return name;
}

std::vector<CommandEntry> command_list(const CLI::App& root, bool include_hidden) {
    std::vector<CommandEntry> out;
    collect(root, include_hidden, out);
    return out;
}

const CLI::App* find_command(const CLI::App& root, std::string_view name) {
    for (const auto& e : command_list(root, true))
        if (e.name == name) return e.app;
    return nullptr;
}

std::vector<const CLI::Option*> named_options(const CLI::App& app) {
    return app.get_options([](const CLI::Option* o) { return o->nonpositional(); });
}

std::vector<const CLI::Option*> positionals(const CLI::App& app) {
    return app.get_options([](const CLI::Option* o) { return !o->nonpositional(); });
}

std::string HelpFormatter::make_subcommands(const CLI::App* app, CLI::AppFormatMode mode) const {
    if (mode == CLI::AppFormatMode::All) return CLI::Formatter::make_subcommands(app, mode);
    // Groups in the order they first appear; each command followed by its nested ones.
    std::vector<std::string> groups;
    for (const CLI::App* sub : app->get_subcommands(std::function<bool(const CLI::App*)>{}))
        if (!hidden(*sub) &&
            std::find(groups.begin(), groups.end(), sub->get_group()) == groups.end())
            groups.push_back(sub->get_group());
    std::stringstream out;
    for (const auto& group : groups) {
        out << "\n" << group << ":\n";
        for (const CLI::App* sub : app->get_subcommands(std::function<bool(const CLI::App*)>{})) {
            if (sub->get_group() != group || sub->get_name().empty()) continue;
            CLI::detail::format_help(out, command_name(*sub), sub->get_description(),
                                     column_width_);
            std::vector<CommandEntry> nested;
            collect(*sub, false, nested);
            for (const auto& n : nested)
                CLI::detail::format_help(out, n.name, n.app->get_description(), column_width_);
        }
    }
    return out.str();
}

std::string HelpFormatter::make_usage(const CLI::App* app, std::string name) const {
    // CLI11 passes "paasrun config set"; people type "paasrun config:set".
    if (app->get_parent()) {
        const CLI::App* root = app;
        while (root->get_parent()) root = root->get_parent();
        name = root->get_name() + " " + command_name(*app);
    }
    return CLI::Formatter::make_usage(app, name);
}

}  // namespace paasrun::app
