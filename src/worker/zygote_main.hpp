// --preload's zygote: a paasrun-worker started with `--zygote=true` (serve/zygote.hpp has the
// arbiter's side, serve/zygote_protocol.hpp the messages).
//
// It initialises Python and imports the app once (collector disabled during the import,
// gc.freeze() after it), reports READY, then waits on its socket. For each FORK request it
// forks a worker that continues into run_preloaded_worker() with the imported app, sharing
// the zygote's memory copy-on-write. A recycled or crashed worker is replaced by a new fork,
// so every worker starts from the module state as it was right after the import.
//
// The fork is a double fork: zygote -> intermediate -> worker, the intermediate exits at once
// and the worker is re-parented to the arbiter (a child subreaper). The worker waits until
// the zygote has reaped the intermediate (so the re-parenting is done), then sets
// PR_SET_PDEATHSIG against the arbiter and checks the arbiter is still its parent.
//
// Process state: the zygote keeps SIGTERM, SIGINT and SIGUSR1 blocked as exec left them (so
// every forked worker starts like an exec'd one and unblocks them once its handlers are in
// place); it ignores SIGHUP, SIGPIPE, SIGTTIN, SIGTTOU; SIGQUIT exits at once. It exits 0 when
// the arbiter closes the socket, with the import's exit code when the import fails (the
// traceback is on stderr), and dies with the arbiter (PR_SET_PDEATHSIG). It never accepts a
// connection: the listening sockets are only there to be inherited.
#pragma once

#include "serve/worker_context.hpp"

namespace paasrun::worker {

/// Runs the zygote (ctx.zygote is true). Returns the process exit code, in the zygote, or,
/// in a worker forked from it, the worker's exit code once it has served.
[[nodiscard]] int run_zygote(const WorkerContext& ctx);

}  // namespace paasrun::worker
