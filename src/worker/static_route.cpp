#include "worker/static_route.hpp"

namespace paasrun::worker {

Result<std::unique_ptr<StaticRoute>> StaticRoute::create(const ServeOptions& o) {
    if (o.static_mounts.empty() && o.static_root.empty()) return std::unique_ptr<StaticRoute>{};
    static_files::StaticConfig cfg;
    for (const auto& m : o.static_mounts) cfg.mounts.push_back({m.prefix, m.dir});
    cfg.root = o.static_root;
    cfg.fallthrough = o.static_fallthrough;
    cfg.max_age = o.static_max_age;
    cfg.immutable_prefixes = o.static_immutable;
    cfg.cors = o.static_cors;
    auto files = static_files::StaticFiles::open(cfg);
    if (!files) return std::move(files).error();
    return std::unique_ptr<StaticRoute>(new StaticRoute(std::move(*files)));
}

bool StaticRoute::try_serve(const RequestInfo& info, OutputQueue& queue, ResponseSummary& summary) {
    auto d = files_->resolve(static_files::RequestView::from(*info.head));
    if (!d.mine) return false;
    head_.clear();
    http::ResponsePlan framing;
    // Plans hold only validated values; an error here would be a bug: let the app answer.
    if (static_files::render_head(d.plan, info.head->version, info.keep_alive, head_, framing) !=
        http::ResponseError::none)
        return false;
    summary.status = d.plan.status;
    summary.headers_sent = true;
    summary.keep_alive = framing.keep_alive;
    summary.body_bytes = d.plan.length;
    switch (d.plan.body) {
        case static_files::BodySource::memory:
            queue.append(head_, d.plan.memory);
            break;
        case static_files::BodySource::file:
            queue.append(head_);
            // dup() failed (out of fds): the head promised a body that cannot follow, so the
            // connection closes after the head and the client sees a short response.
            if (!queue.append_file(d.plan.fd, d.plan.offset, d.plan.length)) {
                summary.keep_alive = false;
                summary.body_bytes = 0;
            }
            break;
        case static_files::BodySource::none:
            queue.append(head_);
            break;
    }
    return true;
}

}  // namespace paasrun::worker
