// StaticFiles: whitenoise's semantics for static assets, decided without sockets.
//
//   auto files = StaticFiles::open(config);            // control plane: opens every root once
//   Decision d = (*files)->resolve(RequestView::from(request));   // data plane, no I/O errors
//   if (!d.mine) -> call the app;  else send d.plan (plan.hpp shows how)
//
// Routing: the longest mount prefix that the raw path starts with ("/static/..."), else the
// `root` directory for any path. The rest of the path is checked by check_relative_path()
// (percent-decoded once, no "..", no dotfiles, no backslashes...) and opened with
// open_beneath() (no symlink leaves the root). See docs/static.md for every rule; in short:
//   - GET and HEAD; any other method on a static file, a redirect, or (fallthrough off) any
//     path under a mount: 405 with "Allow: GET, HEAD";
//   - a file: 200 with Content-Type, Content-Length, Last-Modified, ETag, Cache-Control,
//     "Vary: Accept-Encoding", [Content-Encoding], [Access-Control-Allow-Origin: *];
//   - If-None-Match (weak match; wins over If-Modified-Since) / If-Modified-Since -> 304;
//   - Range: one range -> 206, unsatisfiable -> 416 "Content-Range: bytes */LEN", several ->
//     200 whole file; If-Range gates it; HEAD ignores Range (RFC 9110 14.2: GET only);
//   - "dir/" -> dir/index.html; "dir" -> 302 to "dir/" (query kept) when dir/index.html exists;
//   - .br/.gz siblings by Accept-Encoding q-values; a "name.gz" asked for by its own name is
//     served as itself (application/gzip, no Content-Encoding);
//   - a miss, a refused path, or a directory without index: the app (fallthrough) or 404.
//     Misses under `root` always go to the app.
// Never answers 500: anything unexpected on disk is a miss.
//
// Threads: resolve() takes an internal mutex, so one instance may be shared by threads; the
// worker calls it from its event-loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "static_files/config.hpp"
#include "static_files/file_cache.hpp"
#include "static_files/plan.hpp"
#include "static_files/request_view.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::static_files {

class StaticFiles {
public:
    /// Validates the configuration and opens every directory (O_PATH | O_DIRECTORY). An error
    /// names the prefix and directory (a missing directory is an error: a typo in
    /// `--static` should stop the server, not 404 every asset).
    [[nodiscard]] static Result<std::unique_ptr<StaticFiles>> open(const StaticConfig& config);

    /// The decision for one request. Pure apart from the cache and reading files.
    [[nodiscard]] Decision resolve(const RequestView& req);

    /// Mounts in matching order (normalised prefixes ending in '/', "/" for the root), for logs.
    [[nodiscard]] std::vector<std::string> describe_mounts() const;
    /// The strategy in use (automatic resolved to beneath or walk).
    [[nodiscard]] Resolver resolver() const noexcept { return resolver_; }
    [[nodiscard]] CacheStats cache_stats() const;

    StaticFiles(const StaticFiles&) = delete;
    StaticFiles& operator=(const StaticFiles&) = delete;
    ~StaticFiles();

private:
    struct Root {
        std::string prefix;  // normalised: starts and ends with '/'
        std::string dir;
        unique_fd fd;
        bool is_root = false;  // the `root` directory: misses always fall through
        char key_tag = 0;      // first byte of cache keys for this root
    };

    explicit StaticFiles(const StaticConfig& config);

    const Root* route(std::string_view path, std::string_view& rest) const;
    Decision serve_file(const Root& root, const std::string& key,
                        std::shared_ptr<const Entry> entry, const RequestView& req, bool is_head);
    Decision miss(const Root& root, bool get_or_head, bool is_head) const;
    Decision redirect_to_dir(const RequestView& req, bool is_head) const;
    Decision not_allowed(bool is_head) const;
    bool is_immutable(const Root& root, std::string_view rel) const;

    StaticConfig config_;
    std::vector<Root> roots_;  // mounts by descending prefix length, then the root (if any)
    Resolver resolver_ = Resolver::walk;
    std::string cache_control_;  // "public, max-age=N"
    mutable std::mutex mu_;
    FileCache cache_;
};

/// True when a file name carries a content hash: a dot-separated part, neither the first nor
/// the last, of 8 or more hex digits with at least one letter a-f ("app.3f2a9c1e.js",
/// "main.3f2a9c1e.chunk.js"; not "report.20231231.pdf"). Pure.
[[nodiscard]] bool has_hash_segment(std::string_view file_name) noexcept;

}  // namespace paasrun::static_files
