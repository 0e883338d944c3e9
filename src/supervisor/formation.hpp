// Formation: which processes run, and the PORT each one gets.
//
// A formation is the Procfile's long-running types (never `release`, which the Procfile
// parser keeps apart), each repeated `count` times: web.1, web.2, worker.1, ...
// Ports follow foreman's rule so a Procfile behaves the same under both tools:
//
//     PORT = base + 100 * (index of the type in Procfile order) + (instance - 1)
//
// so with the default base 5000, web.1 gets 5000, web.2 5001, worker.1 5100. A type's index
// counts every type in the Procfile, also those scaled to 0, so ports do not move when a type
// is scaled.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/procfile.hpp"
#include "util/result.hpp"

namespace paasrun::supervisor {

/// Counts per process type (`-c web=2,worker=1` is parsed by config::parse_formation). The
/// key `all` sets the default for types not named (foreman's `-m all=1,web=2`); otherwise an
/// unnamed type runs once.
using Counts = std::map<std::string, int>;

struct ProcessSpec {
    std::string type;     // "web"
    int index = 1;        // 1-based instance number
    std::string name;     // "web.1" (Heroku's dyno name, also DYNO)
    std::string command;  // the Procfile command, run through /bin/sh -c
    int port = 0;         // PORT for this process
};

/// foreman's port rule (see above). Pure.
[[nodiscard]] int port_for(int base, std::size_t type_index, int instance);

/// Fails when `counts` names a type that the Procfile does not declare (`all` excepted).
[[nodiscard]] Status check_counts(const config::Procfile& procfile, const Counts& counts);

/// Expands the Procfile into one spec per instance, in Procfile order then instance order.
/// Types missing from `counts` run counts["all"] times if given, else once. Pure.
[[nodiscard]] std::vector<ProcessSpec> expand_formation(const config::Procfile& procfile,
                                                        const Counts& counts, int base_port);

/// foreman's `start web worker`: `formation` restricted to the named types (in Procfile
/// order, ports unchanged). `types` empty: all of them. Fails naming a type `process_types`
/// does not declare (with "did you mean"), or `release`. Pure.
[[nodiscard]] Result<std::vector<ProcessSpec>> only_types(
    std::vector<ProcessSpec> formation, const std::vector<std::string>& process_types,
    const std::vector<std::string>& types);

}  // namespace paasrun::supervisor
