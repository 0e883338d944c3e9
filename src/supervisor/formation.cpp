#include "supervisor/formation.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/did_you_mean.hpp"

namespace paasrun::supervisor {

int port_for(int base, std::size_t type_index, int instance) {
    return base + 100 * static_cast<int>(type_index) + (instance - 1);
}

Status check_counts(const config::Procfile& procfile, const Counts& counts) {
    for (const auto& [name, count] : counts) {
        if (name == "all") continue;
        if (name == "release")
            return Error("\"release\" is the release phase and cannot be scaled");
        bool known = false;
        for (const auto& p : procfile.processes) known = known || p.name == name;
        if (!known) return Error(fmt::format("process type \"{}\" is not in the Procfile", name));
    }
    return {};
}

std::vector<ProcessSpec> expand_formation(const config::Procfile& procfile, const Counts& counts,
                                          int base_port) {
    int fallback = 1;
    if (auto all = counts.find("all"); all != counts.end()) fallback = all->second;
    std::vector<ProcessSpec> out;
    for (std::size_t t = 0; t < procfile.processes.size(); ++t) {
        const auto& type = procfile.processes[t];
        auto it = counts.find(type.name);
        int n = it == counts.end() ? fallback : it->second;
        for (int i = 1; i <= n; ++i)
            out.push_back({type.name, i, fmt::format("{}.{}", type.name, i), type.command,
                           port_for(base_port, t, i)});
    }
    return out;
}

Result<std::vector<ProcessSpec>> only_types(std::vector<ProcessSpec> formation,
                                            const std::vector<std::string>& process_types,
                                            const std::vector<std::string>& types) {
    if (types.empty()) return formation;
    auto named = [&](std::string_view t) {
        return std::find(types.begin(), types.end(), t) != types.end();
    };
    for (const auto& t : types) {
        if (t == "release")
            return Error("\"release\" is the release phase, not a process type to start");
        if (std::find(process_types.begin(), process_types.end(), t) != process_types.end())
            continue;
        auto hint = util::nearest(t, process_types);
        std::string known;
        for (const auto& p : process_types) known += (known.empty() ? "" : ", ") + p;
        return Error(fmt::format("process type \"{}\" is not in the Procfile{} (types: {})", t,
                                 hint ? fmt::format("; did you mean \"{}\"?", *hint) : "", known));
    }
    std::erase_if(formation, [&](const ProcessSpec& p) { return !named(p.type); });
    if (formation.empty()) return Error("nothing to run: every process type named is scaled to 0");
    return formation;
}

}  // namespace paasrun::supervisor
