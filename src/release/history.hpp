// The release history: an append-only JSON-lines file (history.jsonl), one event per line.
//
//   {"time":"2026-11-22T10:00:00Z","version":4,"event":"created","description":"Deploy 1a2b3c4d"}
//   {"time":"...","version":4,"event":"failed","reason":"release phase failed (exit=3)"}
//   {"time":"...","version":4,"event":"activated"}
//
// Events: created (release written, not current yet), activated (became current), failed
// (release phase or activation failed; `reason` says why), rolled_back (a later admin API
// auto-rollback records why), pruned (removed by retention). Unknown events are kept and
// ignored, so newer writers do not break older readers. A torn last line (kill -9 during
// the append) is skipped, never an error.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::release {

struct HistoryEvent {
    std::string time;  // RFC 3339 UTC
    int version = 0;
    std::string event;        // created | activated | failed | rolled_back | pruned | ...
    std::string description;  // for created
    std::string reason;       // for failed / rolled_back
};

/// One JSON line (no trailing newline). Pure.
[[nodiscard]] std::string format_history_event(const HistoryEvent& e);

/// Every well-formed line of history.jsonl, in order; malformed lines are skipped. Pure.
[[nodiscard]] std::vector<HistoryEvent> parse_history(std::string_view text);

/// A release's status, derived from its events and the current pointer.
enum class ReleaseStatus { pending, succeeded, failed, current };
[[nodiscard]] std::string_view to_string(ReleaseStatus s);

/// version -> status for every version with a `created` event. The current version is
/// `current` whatever the history says (a crash between the rename and the history append
/// leaves it `pending` in the file). Pure.
[[nodiscard]] std::map<int, ReleaseStatus> derive_statuses(const std::vector<HistoryEvent>& events,
                                                           int current_version);

/// The reason of the last `failed` event of `version`, or empty.
[[nodiscard]] std::string failure_reason(const std::vector<HistoryEvent>& events, int version);

/// The release that was current before `current_version` (the last `activated` event of
/// another version that precedes the latest activation of current_version), or 0. When the
/// last activation in the history is of another version (a crash between the `current`
/// swap and the history append lost current_version's event), that version is the one
/// that was current before.
[[nodiscard]] int previous_release(const std::vector<HistoryEvent>& events, int current_version);

/// The version of the last `activated` event, or 0.
[[nodiscard]] int last_activated(const std::vector<HistoryEvent>& events);

}  // namespace paasrun::release
