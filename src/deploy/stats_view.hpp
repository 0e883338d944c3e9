// The web workers' stats files (serve/stats.hpp) as the admin API shows them: the worker
// rows of /v1/status (age, the previous worker of the slot and why it went) and the
// per-endpoint table of /metrics and /v1/endpoints. Pure: the engine reads the files and the
// process table, these functions only combine them, so the unit tests feed them values.
#pragma once

#include <vector>

#include "admin/app_control.hpp"
#include "serve/stats.hpp"
#include "supervisor/supervisor.hpp"

namespace paasrun::deploy {

/// The worker row for `w` (a live worker's file). `all`: every file read with it (the
/// .retired ones hold the slots' last exits); `arbiter`: the supervised process whose pid is
/// w.arbiter_pid, or null.
[[nodiscard]] admin::WebWorker worker_view(const worker::WorkerStats& w,
                                           const std::vector<worker::WorkerStats>& all,
                                           const supervisor::ProcessStatus* arbiter);

/// Every route of every file summed by route (quantiles from the merged histograms), the
/// most requested first.
/// The API's view of WebSocket counters (summed over workers, or one worker's).
[[nodiscard]] admin::WebSocketCounters websocket_view(const worker::websocket_stats::Totals& t);

[[nodiscard]] std::vector<admin::EndpointStats> endpoint_table(
    const std::vector<worker::WorkerStats>& all);

}  // namespace paasrun::deploy
