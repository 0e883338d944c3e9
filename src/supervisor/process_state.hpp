// The states of one supervised process as other modules see them (supervisor::ProcessStatus):
// the deploy engine decides on them, the admin API and Prometheus print them. Enums here, so
// a misspelt state is a compile error; the strings (to_string) are the admin API's JSON and
// the metrics' labels, unchanged.
#pragma once

#include <array>
#include <string_view>

namespace paasrun::supervisor {

/// up: running; stopping: running but told to stop (the whole supervisor stops, or its
/// generation retires); crashed: exited, waiting for its restart; down: exited for good.
enum class ProcessState { up, stopping, crashed, down };

/// starting: a deploy's new generation not yet promoted; active: serving; retiring: the old
/// generation being stopped after a switch.
enum class ProcessPhase { starting, active, retiring };

inline constexpr std::array<ProcessState, 4> kProcessStates = {
    ProcessState::up, ProcessState::crashed, ProcessState::down, ProcessState::stopping};

[[nodiscard]] constexpr std::string_view to_string(ProcessState s) {
    switch (s) {
        case ProcessState::up:
            return "up";
        case ProcessState::stopping:
            return "stopping";
        case ProcessState::crashed:
            return "crashed";
        case ProcessState::down:
            return "down";
    }
    return "unknown";
}

[[nodiscard]] constexpr std::string_view to_string(ProcessPhase p) {
    switch (p) {
        case ProcessPhase::starting:
            return "starting";
        case ProcessPhase::active:
            return "active";
        case ProcessPhase::retiring:
            return "retiring";
    }
    return "unknown";
}

/// Exited (crashed or down): no pid behind it.
[[nodiscard]] constexpr bool exited(ProcessState s) {
    return s == ProcessState::crashed || s == ProcessState::down;
}

}  // namespace paasrun::supervisor
