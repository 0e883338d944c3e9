// paasrun-arbiter: the arbiter of `paasrun serve`, as a separate lean executable.
//
// `paasrun serve` parses its command line, paasrun.yaml and the environment, then execs this
// program with the resolved options (serve/arbiter_exec.hpp explains the hand-over and why:
// memory). It links only the arbiter's code: no Python, OpenSSL, cpp-httplib or yaml-cpp.
// Not meant to be started by people.
#include "serve/arbiter.hpp"
#include "serve/arbiter_exec.hpp"
#include "util/log.hpp"

int main() {
    using namespace paasrun;
    auto options = worker::take_handed_options();
    if (!options) {
        log::error("arbiter", "cannot start error={}", log::quote(options.error().describe()));
        return 1;
    }
    auto command = worker::self_worker_command();
    if (!command.exe) {  // the fallback `__worker` is a subcommand of the full binary only
        log::error("arbiter", "cannot start error={}",
                   log::quote("paasrun-worker is missing next to paasrun-arbiter"));
        return 1;
    }
    return worker::run_arbiter(worker::ArbiterConfig{std::move(*options), std::move(command)});
}
