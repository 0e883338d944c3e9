#include "deploy/build_log_json.hpp"

#include "util/log_fields.hpp"

namespace paasrun::deploy {

namespace {

constexpr std::string_view kStep = "-----> ";
constexpr std::string_view kRelease = "release | ";

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string BuildLogJson::convert(std::string_view time, std::string_view line) {
    std::string_view component = component_;
    std::string_view msg = line;
    if (starts_with(line, kStep)) {
        msg.remove_prefix(kStep.size());
        step_ = std::string(msg);
    } else {
        while (!msg.empty() && msg.front() == ' ') msg.remove_prefix(1);
        if (msg.size() < line.size() && starts_with(msg, kRelease)) {
            msg.remove_prefix(kRelease.size());
            component = "release";
        }
    }
    log::Fields f;
    f.msg = std::string(msg);
    // The release phase runs after the build's last step: its lines belong to none.
    if (!step_.empty() && component == component_) f.fields.emplace_back("step", step_);
    return log::json_line(time, "info", component, f);
}

}  // namespace paasrun::deploy
