// The arguments after `paasrun __worker`: how a WorkerContext crosses fork+exec.
//
//   --index=N --serial=S --control-fd=FD --heartbeat-fd=FD --listen-fds=3,4 [--zygote=true]
//   --serve-options <to_args(options)>
//
// --zygote=true (only with --preload) starts the zygote instead of a worker (serve/zygote.hpp).
//
// Fd numbers are those in the worker (the arbiter dup2()s the fds into place: listen fds from
// 3 upward in --bind order, then the control pipe, then the heartbeat memfd). `--listen-fds=`
// with nothing after '=' means no listening socket (only in tests). The separator is not a bare
// "--" because CLI11, which parses `paasrun __worker`, treats everything after "--" as the
// main command's positionals.
#pragma once

#include <string>
#include <vector>

#include "serve/worker_context.hpp"
#include "util/result.hpp"

namespace paasrun::worker {

[[nodiscard]] std::vector<std::string> handoff_args(const WorkerContext& ctx);

/// Inverse of handoff_args. Strict; an error names the argument.
[[nodiscard]] Result<WorkerContext> parse_handoff_args(const std::vector<std::string>& args);

}  // namespace paasrun::worker
