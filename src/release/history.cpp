#include "release/history.hpp"

#include <nlohmann/json.hpp>

namespace paasrun::release {

using json = nlohmann::ordered_json;

std::string format_history_event(const HistoryEvent& e) {
    json j;
    j["time"] = e.time;
    j["version"] = e.version;
    j["event"] = e.event;
    if (!e.description.empty()) j["description"] = e.description;
    if (!e.reason.empty()) j["reason"] = e.reason;
    return j.dump();
}

std::vector<HistoryEvent> parse_history(std::string_view text) {
    std::vector<HistoryEvent> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty()) continue;
        // Skips torn or foreign lines instead of failing: the log must stay readable after a
        // crash in the middle of an append.
        auto j = json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;
        auto v = j.find("version");
        auto ev = j.find("event");
        if (v == j.end() || !v->is_number_integer() || ev == j.end() || !ev->is_string()) continue;
        HistoryEvent e;
        e.version = v->get<int>();
        e.event = ev->get<std::string>();
        e.time = j.value("time", "");
        e.description = j.value("description", "");
        e.reason = j.value("reason", "");
        out.push_back(std::move(e));
    }
    return out;
}

std::string_view to_string(ReleaseStatus s) {
    switch (s) {
        case ReleaseStatus::pending:
            return "pending";
        case ReleaseStatus::succeeded:
            return "succeeded";
        case ReleaseStatus::failed:
            return "failed";
        case ReleaseStatus::current:
            return "current";
    }
    return "pending";
}

std::map<int, ReleaseStatus> derive_statuses(const std::vector<HistoryEvent>& events,
                                             int current_version) {
    std::map<int, ReleaseStatus> out;
    for (const auto& e : events) {
        if (e.event == "created")
            out[e.version] = ReleaseStatus::pending;
        else if (e.event == "activated")
            out[e.version] = ReleaseStatus::succeeded;
        else if (e.event == "failed")
            out[e.version] = ReleaseStatus::failed;
        else if (e.event == "pruned")
            out.erase(e.version);
    }
    if (current_version > 0) out[current_version] = ReleaseStatus::current;
    return out;
}

std::string failure_reason(const std::vector<HistoryEvent>& events, int version) {
    std::string reason;
    for (const auto& e : events)
        if (e.version == version && (e.event == "failed" || e.event == "rolled_back"))
            reason = e.reason;
    return reason;
}

int previous_release(const std::vector<HistoryEvent>& events, int current_version) {
    // Walk activations backwards: skip the latest run of `current_version`, return the one
    // before it.
    // A latest activation of another version means current_version's own event was lost:
    // that other version is the one it replaced.
    for (auto it = events.rbegin(); it != events.rend(); ++it)
        if (it->event == "activated" && it->version != current_version) return it->version;
    return 0;
}

int last_activated(const std::vector<HistoryEvent>& events) {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
        if (it->event == "activated") return it->version;
    return 0;
}

}  // namespace paasrun::release
