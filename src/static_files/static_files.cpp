#include "static_files/static_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>

#include "static_files/conditional.hpp"
#include "static_files/confine.hpp"
#include "static_files/path_check.hpp"
#include "static_files/range.hpp"

namespace paasrun::static_files {
namespace {

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kNotFoundBody = "Not Found\n";
constexpr std::string_view kNotAllowedBody = "Method Not Allowed\n";
constexpr std::string_view kIndex = "index.html";
constexpr std::size_t kMaxRoots = 200;  // cache keys tag the root with one byte

std::int64_t now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_hex_letter(char c) {
    return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void set_body(ResponsePlan& plan, const Representation& rep, std::uint64_t offset,
              std::uint64_t length, bool head) {
    plan.content_length = length;
    if (head) return;
    plan.length = length;
    if (length == 0) return;
    if (rep.in_memory) {
        plan.body = BodySource::memory;
        plan.memory = std::string_view(rep.memory).substr(offset, length);
    } else {
        plan.body = BodySource::file;
        plan.fd = rep.fd.get();
        plan.offset = offset;
    }
}

Decision with_text_body(int status, std::string_view body, bool head) {
    Decision d;
    d.mine = true;
    d.plan.status = status;
    d.plan.content_type = kTextPlain;
    d.plan.content_length = body.size();
    d.plan.head_request = head;
    if (!head) {
        d.plan.body = BodySource::memory;
        d.plan.memory = body;
        d.plan.length = body.size();
    }
    return d;
}

}  // namespace

bool has_hash_segment(std::string_view name) noexcept {
    auto slash = name.rfind('/');
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    auto first = name.find('.');
    auto last = name.rfind('.');
    if (first == std::string_view::npos || first == last) return false;
    // The parts strictly between the first and the last dot.
    std::string_view middle = name.substr(first + 1, last - first - 1);
    while (true) {
        auto dot = middle.find('.');
        auto part = middle.substr(0, dot);
        if (part.size() >= 8 && std::all_of(part.begin(), part.end(), is_hex) &&
            std::any_of(part.begin(), part.end(), is_hex_letter))
            return true;
        if (dot == std::string_view::npos) return false;
        middle.remove_prefix(dot + 1);
    }
}

StaticFiles::StaticFiles(const StaticConfig& config)
    : config_(config),
      cache_control_(fmt::format("public, max-age={}", std::max(config.max_age, 0))),
      cache_(CacheLimits{config.revalidate_ms, config.cache_entries, config.memory_file_max,
                         config.memory_total_max, config.precompressed}) {}

StaticFiles::~StaticFiles() = default;

Result<std::unique_ptr<StaticFiles>> StaticFiles::open(const StaticConfig& config) {
    std::unique_ptr<StaticFiles> files(new StaticFiles(config));
    auto& roots = files->roots_;

    auto add = [&](std::string prefix, const std::string& dir, bool is_root) -> Status {
        if (prefix.empty() || prefix.front() != '/' || prefix.find('\0') != std::string::npos)
            return Error(fmt::format("static prefix must start with '/': {:?}", prefix));
        if (dir.empty()) return Error(fmt::format("static {}: empty directory", prefix));
        if (prefix.back() != '/') prefix += '/';
        if (prefix == "/") is_root = true;
        for (const auto& r : roots)
            if (r.prefix == prefix)
                return Error(
                    fmt::format("static {}: mounted twice ({} and {})", prefix, r.dir, dir));
        if (roots.size() >= kMaxRoots)
            return Error(fmt::format("more than {} static mounts", kMaxRoots));
        int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return sys_error("static {}: cannot open directory {}", prefix, dir);
        Root r;
        r.fd.reset(fd);
        if (auto st = confine_relative_mount(fd, prefix, dir); !st) return st;
        r.prefix = std::move(prefix);
        r.dir = dir;
        r.is_root = is_root;
        roots.push_back(std::move(r));
        return {};
    };
    for (const auto& m : config.mounts)
        if (auto st = add(m.prefix, m.dir, false); !st) return std::move(st).error();
    if (!config.root.empty())
        if (auto st = add("/", config.root, true); !st) return std::move(st).error();

    // Longest prefix first; "/" (the root) is the shortest, so it comes last.
    std::stable_sort(roots.begin(), roots.end(), [](const Root& a, const Root& b) {
        return a.prefix.size() > b.prefix.size();
    });
    for (std::size_t i = 0; i < roots.size(); ++i) roots[i].key_tag = static_cast<char>(i + 1);

    files->resolver_ = config.resolver;
    if (!roots.empty()) {
        bool works = openat2_works(roots.front().fd.get());
        if (config.resolver == Resolver::automatic)
            files->resolver_ = works ? Resolver::beneath : Resolver::walk;
        else if (config.resolver == Resolver::beneath && !works)
            return Error("static: openat2(RESOLVE_BENEATH) is not available on this kernel");
    } else if (config.resolver == Resolver::automatic) {
        files->resolver_ = Resolver::walk;
    }
    return files;
}

std::vector<std::string> StaticFiles::describe_mounts() const {
    std::vector<std::string> out;
    for (const auto& r : roots_) out.push_back(fmt::format("{}={}", r.prefix, r.dir));
    return out;
}

CacheStats StaticFiles::cache_stats() const {
    std::lock_guard lock(mu_);
    return cache_.stats();
}

const StaticFiles::Root* StaticFiles::route(std::string_view path, std::string_view& rest) const {
    if (path.empty() || path.front() != '/') return nullptr;  // "*" (OPTIONS) and the like
    for (const auto& r : roots_) {
        if (path.size() >= r.prefix.size() && path.compare(0, r.prefix.size(), r.prefix) == 0) {
            rest = path.substr(r.prefix.size());
            return &r;
        }
    }
    return nullptr;
}

bool StaticFiles::is_immutable(const Root& root, std::string_view rel) const {
    if (has_hash_segment(rel)) return true;
    if (config_.immutable_prefixes.empty()) return false;
    std::string url = root.prefix;
    url += rel;
    for (const auto& p : config_.immutable_prefixes)
        if (!p.empty() && url.compare(0, p.size(), p) == 0) return true;
    return false;
}

Decision StaticFiles::resolve(const RequestView& req) {
    std::string_view rest;
    const Root* root = route(req.path, rest);
    if (!root) return {};
    const bool is_head = req.method == "HEAD";
    const bool get_or_head = is_head || req.method == "GET";

    auto checked = check_relative_path(rest, config_.serve_dotfiles);
    if (checked.verdict != PathVerdict::ok) return miss(*root, get_or_head, is_head);

    std::string key;
    key.reserve(checked.rel.size() + kIndex.size() + 2);
    key += root->key_tag;
    key += checked.rel;
    if (checked.wants_index) {
        if (!checked.rel.empty()) key += '/';
        key += kIndex;
    }
    std::string_view rel = std::string_view(key).substr(1);

    std::lock_guard lock(mu_);
    auto immutable = [&](std::string_view r) { return is_immutable(*root, r); };
    auto entry = cache_.get(key, root->fd.get(), resolver_, rel, now_ms(), immutable);
    if (entry->kind == Entry::Kind::file)
        return serve_file(*root, key, std::move(entry), req, is_head);
    if (entry->kind == Entry::Kind::directory && !checked.wants_index && entry->has_index)
        return get_or_head ? redirect_to_dir(req, is_head) : not_allowed(is_head);
    return miss(*root, get_or_head, is_head);
}

Decision StaticFiles::serve_file(const Root& root, const std::string& key,
                                 std::shared_ptr<const Entry> entry, const RequestView& req,
                                 bool is_head) {
    if (!is_head && req.method != "GET") return not_allowed(false);

    auto weights = parse_accept_encoding(req.accept_encoding);
    auto pick = [&](const Entry& e) {
        bool available[kCodingCount];
        std::uint64_t size[kCodingCount];
        for (int c = 0; c < kCodingCount; ++c) {
            available[c] = e.reps[c] != nullptr;
            size[c] = available[c] ? e.reps[c]->id.size : 0;
        }
        return e.reps[static_cast<int>(choose_coding(weights, available, size))].get();
    };
    const Representation* rep = pick(*entry);

    // An fd-backed file edited in place keeps its inode: check it now, so the head we send
    // describes the bytes sendfile will read (file_cache.hpp, "Freshness").
    if (!rep->in_memory) {
        struct stat st {};
        if (::fstat(rep->fd.get(), &st) != 0 || FileIdentity::of(st) != rep->id) {
            cache_.invalidate(key);
            std::string_view rel = std::string_view(key).substr(1);
            auto immutable = [&](std::string_view r) { return is_immutable(root, r); };
            entry = cache_.get(key, root.fd.get(), resolver_, rel, now_ms(), immutable);
            if (entry->kind != Entry::Kind::file) return miss(root, true, is_head);
            rep = pick(*entry);
        }
    }

    Decision d;
    d.mine = true;
    auto& plan = d.plan;
    plan.head_request = is_head;
    plan.etag = rep->etag;
    plan.cache_control = entry->immutable ? kImmutable : std::string_view(cache_control_);
    plan.vary_accept_encoding = true;
    plan.cors = config_.cors;

    // RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only without it.
    bool not_modified = !req.if_none_match.empty()
                            ? if_none_match_matches(req.if_none_match, rep->etag)
                            : !req.if_modified_since.empty() &&
                                  not_modified_since(req.if_modified_since, rep->mtime);
    if (not_modified) {
        plan.status = 304;
        plan.owner = std::move(entry);
        return d;
    }

    plan.content_type = entry->content_type;
    if (rep->coding != Coding::identity) plan.content_encoding = coding_name(rep->coding);
    plan.last_modified = rep->last_modified;
    const std::uint64_t size = rep->id.size;

    // Range: GET only (RFC 9110 14.2), and only when If-Range (if any) still matches.
    if (!is_head && !req.range.empty() && if_range_allows(req.if_range, rep->etag, rep->mtime)) {
        auto r = evaluate_range(req.range, size);
        if (r.kind == RangeKind::single) {
            plan.status = 206;
            plan.content_range = fmt::format("bytes {}-{}/{}", r.range.first, r.range.last, size);
            set_body(plan, *rep, r.range.first, r.range.length(), false);
            plan.owner = std::move(entry);
            return d;
        }
        if (r.kind == RangeKind::unsatisfiable) {
            ResponsePlan refused;
            refused.status = 416;
            refused.content_range = fmt::format("bytes */{}", size);
            refused.vary_accept_encoding = true;
            refused.cors = config_.cors;
            refused.content_length = 0;
            d.plan = std::move(refused);
            return d;
        }
    }
    plan.status = 200;
    set_body(plan, *rep, 0, size, is_head);
    plan.owner = std::move(entry);
    return d;
}

Decision StaticFiles::miss(const Root& root, bool get_or_head, bool is_head) const {
    if (root.is_root || config_.fallthrough) return {};
    if (!get_or_head) return not_allowed(false);
    return with_text_body(404, kNotFoundBody, is_head);
}

Decision StaticFiles::not_allowed(bool is_head) const {
    auto d = with_text_body(405, kNotAllowedBody, is_head);
    d.plan.allow = true;
    return d;
}

Decision StaticFiles::redirect_to_dir(const RequestView& req, bool is_head) const {
    Decision d;
    d.mine = true;
    d.plan.status = 302;
    d.plan.head_request = is_head;
    // The raw path passed check_relative_path, so it holds no CTL, space or "//" and is safe
    // to echo; relative Location values are allowed (RFC 9110 10.2.2). The query was not
    // checked here: any byte outside visible ASCII is percent-encoded, so a Location header
    // can never carry a control byte, whatever the front end let through (found by
    // fuzz_static_path).
    d.plan.location.reserve(req.path.size() + req.query.size() + 2);
    d.plan.location += req.path;
    d.plan.location += '/';
    if (!req.query.empty()) {
        d.plan.location += '?';
        static constexpr char kHex[] = "0123456789ABCDEF";
        for (unsigned char c : req.query) {
            if (c > 0x20 && c < 0x7f) {
                d.plan.location += static_cast<char>(c);
                continue;
            }
            d.plan.location += '%';
            d.plan.location += kHex[c >> 4];
            d.plan.location += kHex[c & 0xf];
        }
    }
    d.plan.cache_control = cache_control_;
    d.plan.cors = config_.cors;
    d.plan.content_length = 0;
    return d;
}

}  // namespace paasrun::static_files
