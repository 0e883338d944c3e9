#include "config/app_check.hpp"

#include <filesystem>

#include "config/app_json.hpp"
#include "config/dotenv.hpp"
#include "config/manifest.hpp"
#include "config/procfile.hpp"
#include "config/settings.hpp"
#include "config/text_file.hpp"

namespace paasrun::config {

namespace {

namespace fs = std::filesystem;

// DIR/name as the user would write it: "Procfile" for the current dir, else "app/Procfile".
std::string in_dir(const std::string& dir, std::string_view name) {
    return (fs::path(dir) / name).lexically_normal().string();
}

std::string plural(std::size_t n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

void append(std::vector<Error>& to, std::vector<Error> from) {
    for (auto& e : from) to.push_back(std::move(e));
}

// The file's text, std::nullopt when it is absent; a read problem (or an absent required
// file) becomes an error.
std::optional<std::string> read(const std::string& path, bool required,
                                std::string_view missing_message, std::vector<Error>& errors) {
    auto text = read_optional_text_file(path);
    if (!text) {
        errors.push_back(std::move(text).error());
        return std::nullopt;
    }
    if (!text->has_value() && required)
        errors.emplace_back(std::string(missing_message), Where{path, 0, 0});
    return std::move(*text);
}

std::string names_of(const Procfile& procfile) {
    std::string out;
    for (const auto& p : procfile.processes)
        out += fmt::format("{}{}", out.empty() ? "" : ", ", p.name);
    return out;
}

}  // namespace

Result<CheckReport> check_app(const CheckRequest& req) {
    std::error_code ec;
    if (!fs::is_directory(req.dir, ec))
        return Error(fmt::format("app directory {} does not exist or is not a directory", req.dir));
    CheckReport report;
    auto& errors = report.errors;

    // Procfile: required.
    std::string procfile_path = req.procfile.empty() ? in_dir(req.dir, "Procfile") : req.procfile;
    std::optional<Procfile> procfile;
    if (auto text = read(procfile_path, true,
                         "no Procfile found: an app needs one listing its process types, e.g. "
                         "\"web: paasrun serve app:application\" (or give one with -f)",
                         errors)) {
        auto errs = check_procfile(*text, procfile_path);
        if (errs.empty()) {
            procfile = std::move(*parse_procfile(*text, procfile_path));
            if (procfile->processes.empty())
                errors.emplace_back("the Procfile declares no process types to run",
                                    Where{procfile_path, 0, 0});
            else
                report.summary.push_back(fmt::format(
                    "{}: {} ({}){}", procfile_path,
                    plural(procfile->processes.size(), "process type"), names_of(*procfile),
                    procfile->release ? " and a release phase" : ""));
        }
        append(errors, std::move(errs));
    }

    // .env: optional unless named with -e.
    std::string env_path = req.env_file.empty() ? in_dir(req.dir, ".env") : req.env_file;
    EnvList dotenv;
    if (auto text = read(env_path, !req.env_file.empty(), "env file not found", errors)) {
        auto errs = check_dotenv(*text, env_path);
        if (errs.empty()) {
            dotenv = std::move(*parse_dotenv(*text, env_path));
            report.summary.push_back(
                fmt::format("{}: {}", env_path, plural(to_map(dotenv).size(), "variable")));
        }
        append(errors, std::move(errs));
    }

    // paasrun.yaml: optional unless named with -m.
    std::string manifest_path =
        req.manifest.empty() ? in_dir(req.dir, "paasrun.yaml") : req.manifest;
    Manifest manifest;
    bool manifest_ok = true;
    if (auto text = read(manifest_path, !req.manifest.empty(), "manifest not found", errors)) {
        auto checked = validate_manifest(*text, manifest_path);
        manifest_ok = checked.errors.empty();
        manifest = std::move(checked.manifest);
        if (manifest_ok) report.summary.push_back(fmt::format("{}: valid", manifest_path));
        append(errors, std::move(checked.errors));
    } else if (req.manifest.empty()) {
        report.summary.push_back(fmt::format("{}: absent (defaults apply)", manifest_path));
    }

    // app.json: its formation and healthchecks apply where paasrun.yaml is silent.
    std::string app_json_path = in_dir(req.dir, "app.json");
    if (auto text = read(app_json_path, false, "", errors)) {
        if (auto parsed = parse_app_json(*text, app_json_path)) {
            apply_app_json(manifest, *parsed, app_json_path);
            report.summary.push_back(fmt::format(
                "{}: valid (formation and healthchecks used where paasrun.yaml is silent)",
                app_json_path));
        } else {
            errors.push_back(parsed.error());
        }
    }

    // Cross-checks. Formation entries are checked even when other manifest keys are wrong:
    // validate_manifest keeps every entry that was itself valid.
    if (procfile) {
        for (const auto& [name, count] : manifest.formation) {
            if (procfile->find(name)) continue;
            auto at = manifest.formation_positions.count(name) ? manifest.formation_positions[name]
                                                               : Where{manifest_path, 0, 0};
            errors.emplace_back(
                fmt::format(
                    "formation: process type \"{}\" is not in the Procfile (it declares: {})", name,
                    names_of(*procfile)),
                at);
        }
    }
    if (manifest_ok) {
        Layers layers;
        layers.manifest = &manifest;
        layers.dotenv = dotenv;
        if (auto settings = resolve_settings(layers, {}); !settings) {
            bool from_dotenv = settings.error().message.find("(from .env)") != std::string::npos;
            errors.emplace_back(settings.error().message,
                                Where{from_dotenv ? env_path : manifest_path, 0, 0});
        }
    }
    return report;
}

}  // namespace paasrun::config
