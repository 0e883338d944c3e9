// The worker side of `paasrun serve`: what the hidden `paasrun __worker` subcommand runs.
//
// DECLARATION ONLY. The arbiter (arbiter.hpp) owns this header and the hand-off; the worker
// loop (src/worker/, declared in worker/worker_main.hpp) implements run_worker(). The contract
// below is what the arbiter relies on; docs/serve.md ("Process model") has the full protocol.
//
// Process state at entry (set up by the arbiter between fork and exec):
//   - every signal disposition is SIG_DFL and the signal mask is empty;
//   - PR_SET_PDEATHSIG is SIGKILL: the worker dies with the arbiter;
//   - fds 0,1,2 are the arbiter's; the fds named in the context are open without
//     FD_CLOEXEC; no other fd of the arbiter is open.
//
// With --preload the worker is not exec'd but forked from the zygote (serve/zygote.hpp):
// the same state at entry except that the app is already imported (step 1 is done) and the
// fds are the zygote's (listen fds) and the ones the arbiter sent it (control, heartbeat).
//
// What run_worker must do:
//   1. Initialise Python, chdir/pythonpath/venv, import `options.app`. On failure print the
//      traceback to stderr and return kExitAppLoadError (import/callable) or kExitBootError
//      (anything before the import: interpreter, bad fds, bad options).
//   2. Write READY on control_fd (notify_arbiter.hpp) once the app is imported and it is
//      about to accept on listen_fds.
//   3. Heartbeat: HeartbeatWriter(heartbeat_fd).beat() at least once a second from the event
//      loop thread, also while idle (a 1 s timer). With --threads 1 the app runs on the loop
//      thread, so an endless view loop stops the heartbeat and the arbiter intervenes.
//   4. Signals: SIGTERM and SIGINT -> graceful: stop accepting (close its copies of the
//      listen fds), finish in-flight requests within options.graceful_timeout, return 0.
//      SIGQUIT -> return/exit 0 at once. kStackDumpSignal -> Python stacks to stderr
//      (faulthandler), keep running. SIGHUP, SIGTTIN, SIGTTOU, SIGUSR1 -> ignore.
//      SIGPIPE -> ignore (writes to closed sockets return EPIPE).
//   5. Recycling: when max_requests (+ a random jitter in [0, max_requests_jitter], drawn
//      once per worker) or max_rss_mb is reached, write RECYCLE once and keep serving; the
//      arbiter starts a replacement and then sends SIGTERM. Never exit on its own for it.
#pragma once

#include <cstdint>
#include <vector>

#include "serve/serve_options.hpp"

namespace paasrun::worker {

struct WorkerContext {
    ServeOptions options;         // fully resolved by the arbiter (resolve_defaults)
    int index = 0;                // 1-based slot, stable across replacements: "worker 2"
    std::uint64_t serial = 0;     // spawn number, unique for the arbiter's lifetime
    std::vector<int> listen_fds;  // listening sockets shared by all workers (blocking as
                                  // inherited; O_NONBLOCK is shared by every worker)
    int control_fd = -1;          // write end of this worker's pipe to the arbiter
    int heartbeat_fd = -1;        // memfd holding this worker's heartbeat slot
    bool zygote = false;          // --preload: not a worker but the zygote that imports the
                                  // app once and forks the workers (serve/zygote.hpp);
                                  // control_fd is then its SOCK_SEQPACKET socket
};

}  // namespace paasrun::worker
