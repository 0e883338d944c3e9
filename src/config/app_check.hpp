// `paasrun check`: validate an app directory's Procfile, .env and paasrun.yaml together.
//
// Every problem in every file is collected (not just the first), each as an Error with
// file:line:column where the input gives one, in this order: Procfile, .env, paasrun.yaml,
// then the cross-checks between them:
//   - the Procfile must exist and declare at least one process type;
//   - every `formation:` entry must name a process type the Procfile declares (checked
//     once the Procfile itself is valid);
//   - WEB_CONCURRENCY / PORT / PAASRUN_GRACE_PERIOD set in .env or the manifest's env must
//     parse (config/settings.hpp), since `up` and `start` would refuse them.
// The shell environment is deliberately not consulted: check validates files.
#pragma once

#include <string>
#include <vector>

#include "util/result.hpp"

namespace paasrun::config {

struct CheckRequest {
    std::string dir = ".";  // the app directory
    std::string procfile;   // -f; empty: DIR/Procfile (required either way)
    std::string env_file;   // -e; empty: DIR/.env when present (an explicit -e must exist)
    std::string manifest;   // -m; empty: DIR/paasrun.yaml when present (-m must exist)
};

struct CheckReport {
    std::vector<Error> errors;         // empty: everything is valid
    std::vector<std::string> summary;  // one line per file, e.g. "Procfile: 3 process types"
};

/// Checks the files. An Error (rather than a report) means the request itself is unusable:
/// DIR does not exist or is not a directory.
[[nodiscard]] Result<CheckReport> check_app(const CheckRequest& request);

}  // namespace paasrun::config
