#include "app/serve_manifest.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>
#include <type_traits>

namespace paasrun::worker {
namespace {

// Manifest durations are seconds with fractions; serve's are whole seconds. Round up, so a
// short positive duration never turns into 0 (which means "off" for several options).
int whole_seconds(double s) {
    if (s <= 0) return 0;
    return static_cast<int>(std::min(std::ceil(s), 1e9));
}

std::string_view trim_slash(std::string_view prefix) {
    while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
    return prefix;
}

}  // namespace

Result<std::optional<config::Manifest>> load_app_manifest(const std::string& app_dir) {
    auto path = std::filesystem::path(app_dir.empty() ? "." : app_dir) / kManifestFile;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::optional<config::Manifest>{};
    auto m = config::load_manifest(path.string());
    if (!m) return m.error();
    return std::optional<config::Manifest>(std::move(*m));
}

void apply_manifest(ServeOptions& o, const config::Manifest& m, const FlagGiven& given) {
    const auto& w = m.web;
    const config::WebSettings wd;
    const config::StaticSettings sd;
    // A manifest value equal to the manifest's own default counts as "not set": serve's
    // defaults stay (where the two could differ, serve's own value is the one that applies).
    auto use = [&](std::string_view flag, const auto& value, const auto& manifest_default) {
        return !given(flag) && !(value == manifest_default);
    };
    auto num = [](auto& field, auto value) {
        field = static_cast<std::remove_reference_t<decltype(field)>>(value);
    };

    // An explicit web.workers is the app's own choice: it beats WEB_CONCURRENCY (which
    // resolve_defaults() reads only when no count is set), a flag beats both.
    if (w.workers > 0 && !given("workers")) o.workers = w.workers;
    if (use("threads", w.threads, wd.threads)) o.threads = w.threads;
    if (use("timeout", w.timeout, wd.timeout)) o.timeout = whole_seconds(w.timeout);
    if (use("graceful-timeout", w.graceful_timeout, wd.graceful_timeout))
        o.graceful_timeout = whole_seconds(w.graceful_timeout);
    if (use("keep-alive", w.keepalive, wd.keepalive)) o.keep_alive = whole_seconds(w.keepalive);
    if (use("request-timeout", w.request_timeout, wd.request_timeout))
        o.request_timeout = whole_seconds(w.request_timeout);
    if (use("max-requests", w.max_requests, wd.max_requests)) num(o.max_requests, w.max_requests);
    if (use("max-requests-jitter", w.max_requests_jitter, wd.max_requests_jitter))
        num(o.max_requests_jitter, w.max_requests_jitter);
    if (use("max-rss", w.max_rss_mb, wd.max_rss_mb)) num(o.max_rss_mb, w.max_rss_mb);
    if (use("max-body", w.max_body, wd.max_body)) num(o.max_body, w.max_body);
    if (use("limit-request-line", w.limit_request_line, wd.limit_request_line))
        o.limit_request_line = w.limit_request_line;
    if (use("limit-request-fields", w.limit_request_fields, wd.limit_request_fields))
        o.limit_request_fields = w.limit_request_fields;
    if (use("limit-request-field-size", w.limit_request_field_size, wd.limit_request_field_size))
        o.limit_request_field_size = w.limit_request_field_size;
    // FORWARDED_ALLOW_IPS, when set, replaces this in resolve_defaults().
    if (use("forwarded-allow-ips", w.forwarded_allow_ips, wd.forwarded_allow_ips))
        o.forwarded_allow_ips = w.forwarded_allow_ips;
    if (use("root-path", w.root_path, wd.root_path)) o.root_path = w.root_path;
    if (w.access_log == "off") {
        if (!given("access-log"))
            o.access_log = std::string(1, '-');  // not "-": GCC 12 -Wrestrict false positive
    } else if (auto f = parse_access_log_format(w.access_log);
               f && use("access-log-format", w.access_log, wd.access_log)) {
        o.access_log_format = *f;
    }

    const auto& s = m.static_files;
    std::vector<StaticMount> mounts;
    for (const auto& map : s.mappings) {
        bool overridden = std::any_of(
            o.static_mounts.begin(), o.static_mounts.end(),
            [&](const StaticMount& f) { return trim_slash(f.prefix) == trim_slash(map.prefix); });
        if (!overridden) mounts.push_back({map.prefix, map.dir});
    }
    for (auto& f : o.static_mounts) mounts.push_back(std::move(f));
    o.static_mounts = std::move(mounts);
    if (use("static-root", s.root, sd.root)) o.static_root = s.root;
    if (use("static-fallthrough", s.fallthrough, sd.fallthrough))
        o.static_fallthrough = s.fallthrough;
    if (use("static-max-age", s.max_age, sd.max_age)) o.static_max_age = s.max_age;
    if (use("static-immutable", s.immutable_prefixes, sd.immutable_prefixes))
        o.static_immutable = s.immutable_prefixes;
    if (use("static-cors", s.cors, sd.cors)) o.static_cors = s.cors;
}

}  // namespace paasrun::worker
