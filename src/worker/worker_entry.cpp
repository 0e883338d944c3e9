#include "worker/worker_entry.hpp"

#include "serve/arbiter_handoff.hpp"
#include "util/log.hpp"
#include "worker/worker_main.hpp"
#include "worker/zygote_main.hpp"

namespace paasrun::worker {

int run_worker_from_handoff(const std::vector<std::string>& args) {
    auto ctx = parse_handoff_args(args);
    if (!ctx) {
        log::error("worker", "bad hand-off from the arbiter error={}",
                   log::quote(ctx.error().describe()));
        return kExitBootError;
    }
    return ctx->zygote ? run_zygote(*ctx) : run_worker(*ctx);
}

}  // namespace paasrun::worker
