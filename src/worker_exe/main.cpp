// paasrun-worker: one worker of `paasrun serve`, as a separate lean executable.
//
// The arbiter execs it (serve/worker_command.hpp) with the hand-off arguments
// (serve/arbiter_handoff.hpp); it runs exactly what `paasrun __worker` runs. It exists for
// memory: it links only the worker module and its dependencies, so a worker process does not
// map the admin API's cpp-httplib and OpenSSL the way the full `paasrun` binary does.
// Not meant to be started by people; the arguments are an internal format.
#include <cstdio>
#include <string>
#include <vector>

#include "worker/worker_entry.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fputs("paasrun-worker: internal helper of `paasrun serve`; not for direct use\n",
                   stderr);
        return 2;
    }
    return paasrun::worker::run_worker_from_handoff(args);
}
