// The build's progress lines as JSON lines, for `paasrun up/start --log-format json` (log
// shippers read one JSON object per line from the start, build included):
//
//   -----> Installing requirements with pip
//          Collecting flask
//          release | migrated 3 tables
//
// becomes
//
//   {"time":"...","level":"info","component":"build","msg":"Installing requirements with
//   pip","step":"Installing requirements with pip"}
//   {"time":"...","level":"info","component":"build","msg":"Collecting flask","step":"Installing
//   requirements with pip"}
//   {"time":"...","level":"info","component":"release","msg":"migrated 3 tables"}
//
// A `-----> ` line starts a step (its text is both the message and the step); an indented line
// belongs to the step before it (the indentation is dropped); `release | ` marks the release
// phase's output (deploy/startup.cpp), which runs after the build's steps and has none. The text is
// never parsed as key=value fields: build output is free text (`flask==3.0` is not a field). Pure,
// apart from the state of the step.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace paasrun::deploy {

class BuildLogJson {
public:
    /// `component`: what the lines are: "build" (up/start's build), "deploy" (a deploy job's
    /// output, the build within it included: deploy/engine.hpp).
    explicit BuildLogJson(std::string component = "build") : component_(std::move(component)) {}

    /// `line` (without its newline) at `time` (log::utc_now()'s form) as one JSON object,
    /// without a newline.
    [[nodiscard]] std::string convert(std::string_view time, std::string_view line);

private:
    std::string component_;
    std::string step_;
};

}  // namespace paasrun::deploy
