// The YAML a buildpack's bin/release prints (Heroku's buildpack API):
//
//   ---
//   addons: []                      # ignored (no add-ons here)
//   config_vars:                    # defaults; config vars set by the user win
//     LANG: en_US.UTF-8
//   default_process_types:          # used for types the Procfile does not declare
//     web: paasrun serve app:application
//
// Pure: takes the text. An empty output means "nothing to add". Errors carry line:column.
// (yaml-cpp lives in src/config for config files; this is a buildpack's output, parsed next
// to the code that runs the buildpack.)
#pragma once

#include <string_view>

#include "release/release.hpp"
#include "util/result.hpp"

namespace paasrun::build {

struct ReleaseOutput {
    release::ProcessTypes default_process_types;  // in document order
    release::ConfigVars config_vars;
};

[[nodiscard]] Result<ReleaseOutput> parse_release_output(std::string_view text,
                                                         std::string_view source = "bin/release");

}  // namespace paasrun::build
