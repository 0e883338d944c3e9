#include "export/plan.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <sstream>

#include "admin/routes.hpp"
#include "serve/cpu_count.hpp"
#include "supervisor/formation.hpp"

namespace paasrun::exporting {

namespace {

// A decimal number with an optional fraction: "2", "0.5", "1.25". std::from_chars for
// double is locale-independent.
std::optional<double> parse_decimal(std::string_view s) {
    if (s.empty() || s.front() == '-' || s.front() == '+') return std::nullopt;
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::string path_of(admin::RouteId id) {
    for (const auto& r : admin::routes())
        if (r.id == id) return std::string(r.path);
    return {};
}

}  // namespace

Result<double> parse_cpu_quantity(std::string_view text) {
    std::string_view num = text;
    double scale = 1;
    if (!num.empty() && num.back() == 'm') {
        num.remove_suffix(1);
        scale = 0.001;
    }
    auto v = parse_decimal(num);
    if (!v || *v * scale <= 0)
        return Error(fmt::format(
            "CPU limit \"{}\" is not a positive number of CPUs (\"500m\", \"1\", \"1.5\")", text));
    return *v * scale;
}

Result<std::uint64_t> parse_memory_quantity(std::string_view text) {
    static constexpr std::pair<std::string_view, double> kUnits[] = {
        {"Ki", 1024.0},
        {"Mi", 1024.0 * 1024},
        {"Gi", 1024.0 * 1024 * 1024},
        {"Ti", 1024.0 * 1024 * 1024 * 1024},
        {"k", 1e3},
        {"M", 1e6},
        {"G", 1e9},
        {"T", 1e12},
    };
    std::string_view num = text;
    double scale = 1;
    for (const auto& [suffix, factor] : kUnits) {
        if (num.size() > suffix.size() && num.substr(num.size() - suffix.size()) == suffix) {
            num.remove_suffix(suffix.size());
            scale = factor;
            break;
        }
    }
    auto v = parse_decimal(num);
    if (!v || *v * scale < 1)
        return Error(fmt::format(
            "memory limit \"{}\" is not a positive size (\"512Mi\", \"1Gi\", bytes)", text));
    return static_cast<std::uint64_t>(*v * scale);
}

Result<Resources> parse_resources(std::string_view cpu, std::string_view memory) {
    auto c = parse_cpu_quantity(cpu);
    if (!c) return std::move(c).error();
    auto m = parse_memory_quantity(memory);
    if (!m) return std::move(m).error();
    return Resources{std::string(cpu), std::string(memory), *c, *m};
}

HealthPaths health_paths() {
    return {path_of(admin::RouteId::livez), path_of(admin::RouteId::readyz),
            path_of(admin::RouteId::startupz)};
}

bool runs_paasrun_serve(std::string_view command) {
    std::istringstream words{std::string(command)};
    std::string w;
    if (!(words >> w)) return false;
    if (w == "exec" && !(words >> w)) return false;
    auto slash = w.rfind('/');
    if ((slash == std::string::npos ? w : w.substr(slash + 1)) != "paasrun") return false;
    return (words >> w) && w == "serve";
}

Result<Plan> make_plan(const config::Procfile& procfile, const config::Manifest& manifest,
                       const std::map<std::string, int>& formation, int admin_port) {
    // A `-c` naming an unknown type is an error; a manifest that does is only a warning for
    // `paasrun start` (docs/supervisor.md), so here its extra names are ignored.
    if (auto ok = supervisor::check_counts(procfile, formation); !ok) return ok.error();
    auto counts = manifest.formation;
    for (const auto& [type, n] : formation) counts[type] = n;
    if (procfile.processes.empty())
        return Error("the Procfile declares no long-running process type");

    Plan plan;
    plan.app = manifest.app_name;
    plan.manifest = manifest;
    plan.health = health_paths();
    plan.admin_port = admin_port;
    if (procfile.release) plan.release = procfile.release->command;
    int default_count = counts.count("all") ? counts.at("all") : 1;
    for (std::size_t i = 0; i < procfile.processes.size(); ++i) {
        const auto& p = procfile.processes[i];
        ProcessPlan pp;
        pp.type = p.name;
        pp.command = p.command;
        pp.count = counts.count(p.name) ? counts.at(p.name) : default_count;
        pp.port = supervisor::port_for(kBasePort, i, 1);
        pp.web = p.name == "web";
        pp.serve = runs_paasrun_serve(p.command);
        plan.processes.push_back(std::move(pp));
    }
    return plan;
}

int web_concurrency(const config::Manifest& manifest, const Resources& limits) {
    if (manifest.web.workers > 0) return manifest.web.workers;
    worker::CpuFacts facts;
    facts.online_cpus = static_cast<int>(std::ceil(limits.cpus));
    facts.cpu_limit = limits.cpus;
    facts.memory_limit = limits.memory_bytes;
    return worker::auto_worker_count(facts).workers;
}

std::int64_t ceil_seconds(double seconds) {
    return seconds <= 0 ? 0 : static_cast<std::int64_t>(std::ceil(seconds - 1e-9));
}

}  // namespace paasrun::exporting
