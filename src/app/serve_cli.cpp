#include "app/serve_cli.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "serve/gunicorn_settings.hpp"
#include "util/shell_words.hpp"

namespace paasrun::app {
namespace {

using worker::OptionArity;
using worker::ServeOptionRow;

std::string first_long_flag(std::string_view flags) {
    auto comma = flags.rfind(',');
    return std::string(comma == std::string_view::npos ? flags : flags.substr(comma + 1));
}

}  // namespace

const std::vector<std::string>* ServeLayer::find(std::string_view wire) const {
    for (const auto& [row, given] : values)
        if (worker::primary_wire_name(*row) == wire) return &given;
    return nullptr;
}

ServeCli::ServeCli(CLI::App& command) {
    for (const auto& row : worker::serve_option_table()) {
        auto b = std::make_unique<Bound>();
        b->row = &row;
        std::string flags(row.flags);
        std::string help(row.help);
        if (!row.default_text.empty() && row.default_text != "none" && row.flags != "app")
            help += fmt::format(" [default: {}]", row.default_text);
        if (row.arity == OptionArity::flag) {
            b->option =
                command.add_flag(flags)->description(help);  // (flags, string&) would bind it
        } else if (row.arity == OptionArity::value) {
            // gunicorn takes the last of repeated values; CLI11 would refuse the repeat.
            b->option = command.add_option(flags, b->single, help)
                            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        } else {
            b->option = command.add_option(flags, b->values, help)->allow_extra_args(false);
        }
        bound_.push_back(std::move(b));
    }
    // gunicorn's other flags are known, so that one gets a precise answer instead of CLI11's
    // "arguments were not expected", which would also list the app argument after it.
    for (const auto& s : worker::unsupported_gunicorn_settings()) {
        if (s.flags.empty()) continue;
        std::string flags(s.flags);
        auto* opt = s.kind == worker::GunicornKind::flag
                        ? command.add_flag(flags)
                        : command.add_option(flags)->allow_extra_args(false);
        opt->group("");  // not in --help: docs/gunicorn-migration.md lists them
        unsupported_.emplace_back(first_long_flag(s.flags), opt);
    }
}

Result<ServeLayer> ServeCli::layer(std::string source) const {
    for (const auto& [flag, opt] : unsupported_)
        if (opt->count() > 0) {
            std::string_view name = flag;
            const auto* s = [&]() -> const worker::UnsupportedGunicornSetting* {
                for (const auto& u : worker::unsupported_gunicorn_settings())
                    if (first_long_flag(u.flags) == name) return &u;
                return nullptr;
            }();
            return Error(fmt::format(
                "{} is a gunicorn option paasrun serve does not support{} (see {})", flag,
                s ? fmt::format(": {}", s->why) : "", worker::kGunicornMigrationDoc));
        }
    ServeLayer out{std::move(source), {}};
    for (const auto& b : bound_) {
        if (b->option->count() == 0) continue;
        if (b->row->arity == OptionArity::flag)
            out.values.emplace_back(b->row, std::vector<std::string>{"true"});
        else if (b->row->arity == OptionArity::value)
            out.values.emplace_back(b->row, std::vector<std::string>{b->single});
        else
            out.values.emplace_back(b->row, b->values);
    }
    return out;
}

Result<ServeLayer> gunicorn_cmd_args_layer(const char* value) {
    if (value == nullptr) return ServeLayer{"GUNICORN_CMD_ARGS", {}};
    auto words = split_shell_words(value);
    if (!words) return Error(fmt::format("GUNICORN_CMD_ARGS: {}", words.error().message));
    CLI::App parser("GUNICORN_CMD_ARGS", "GUNICORN_CMD_ARGS");
    ServeCli cli(parser);
    std::reverse(words->begin(), words->end());  // CLI11 takes a vector in reverse order
    try {
        parser.parse(*words);
    } catch (const CLI::ParseError& e) {
        return Error(fmt::format("GUNICORN_CMD_ARGS: {}", e.what()));
    }
    auto layer = cli.layer("GUNICORN_CMD_ARGS");
    if (!layer) return Error(fmt::format("GUNICORN_CMD_ARGS: {}", layer.error().message));
    return layer;
}

ConfigLayer config_file_layer(std::string source, const std::vector<wsgi::ConfigEntry>& entries) {
    ConfigLayer out{{std::move(source), {}}, {}};
    for (const auto& e : entries) {
        if (e.name == "config") continue;  // gunicorn ignores it inside a config file too
        if (const auto* row = worker::find_option_by_gunicorn(e.name); row && !e.callable) {
            out.layer.values.emplace_back(row, e.values);
        } else if (const auto* u = worker::find_unsupported_gunicorn_setting(e.name)) {
            out.warnings.push_back(fmt::format(
                "{} {} is not supported by paasrun serve and is ignored: {} (see {})",
                u->kind == worker::GunicornKind::hook ? "server hook" : "gunicorn setting", e.name,
                u->why, worker::kGunicornMigrationDoc));
        } else if (row) {
            out.warnings.push_back(
                fmt::format("{} is a function, expected a value; ignored", e.name));
        }
    }
    return out;
}

Status apply_layer(worker::ServeOptions& o, const ServeLayer& layer) {
    for (const auto& [row, given] : layer.values) {
        bool first = true;
        for (const auto& v : given) {
            if (auto st = worker::set_option(o, *row, v, first); !st)
                return Error(fmt::format("{}: {}", layer.source, st.error().message));
            first = false;
        }
        if (given.empty() && row->arity == OptionArity::list)  // `bind = []` in a config file
            std::visit([&](auto member) { (o.*member) = {}; }, row->member);
    }
    return {};
}

}  // namespace paasrun::app
