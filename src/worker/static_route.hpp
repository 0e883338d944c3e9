// StaticRoute: the PreAppRoute that serves `--static PREFIX=DIR` mounts from the event loop,
// before (and without) the app. The HTTP decisions live in src/static_files (pure, tested
// without sockets); this adapter only turns a plan into queued bytes:
//   head + small body in one append (one write), or head + a sendfile segment.
#pragma once

#include <memory>
#include <string>

#include "serve/serve_options.hpp"
#include "static_files/static_files.hpp"
#include "util/result.hpp"
#include "worker/response.hpp"

namespace paasrun::worker {

class StaticRoute final : public PreAppRoute {
public:
    /// nullptr when `o` has no static mounts and no static root; an error when a directory cannot
    /// be opened. Relative directories are resolved against the current directory (after --chdir).
    [[nodiscard]] static Result<std::unique_ptr<StaticRoute>> create(const ServeOptions& o);

    [[nodiscard]] bool try_serve(const RequestInfo& info, OutputQueue& queue,
                                 ResponseSummary& summary) override;

    [[nodiscard]] const static_files::StaticFiles& files() const { return *files_; }

private:
    explicit StaticRoute(std::unique_ptr<static_files::StaticFiles> files)
        : files_(std::move(files)) {}

    std::unique_ptr<static_files::StaticFiles> files_;
    std::string head_;  // reused between requests (loop thread only)
};

}  // namespace paasrun::worker
