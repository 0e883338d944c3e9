#include "release/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <set>

#include "config/data_dir.hpp"
#include "release/retention.hpp"
#include "util/durable_fs.hpp"
#include "util/test_hooks.hpp"

namespace paasrun::release {

namespace {

// "v12" -> 12; anything else (".tmp-...", stray files) -> 0.
int version_of_dir_name(const std::string& name) {
    if (name.size() < 2 || name[0] != 'v') return 0;
    auto v = parse_version(name);
    return v ? *v : 0;
}

Status mkdir_p(const fs::path& p) {
    std::error_code ec;
    fs::create_directories(p, ec);
    if (ec)
        return Error(fmt::format("create directory {}: {}", p.string(), ec.message()), {},
                     ec.value());
    return {};
}

// A slug is code every process of the app runs: nobody but its owner may change it, whatever
// modes the archive or the build left (tar keeps 0777, a careless umask makes 0666). Drops
// group and world write from every file and directory; symlinks are not followed (a
// symlink's own mode means nothing) and setuid/setgid bits go too.
Status drop_shared_write(const fs::path& root) {
    std::error_code ec;
    auto fix = [](const fs::path& p) -> Status {
        struct stat st {};
        if (::lstat(p.c_str(), &st) == -1) return sys_error("stat {}", p.string());
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return {};
        mode_t mode = st.st_mode & 07777;
        mode_t want = mode & ~static_cast<mode_t>(S_IWGRP | S_IWOTH | S_ISUID | S_ISGID);
        if (want != mode && ::chmod(p.c_str(), want) == -1)
            return sys_error("chmod {}", p.string());
        return {};
    };
    if (auto s = fix(root); !s) return s;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (auto s = fix(it->path()); !s) return s;
    if (ec) return Error(fmt::format("walk {}: {}", root.string(), ec.message()), {}, ec.value());
    return {};
}

}  // namespace

fs::path resolve_state_dir(const fs::path& app_dir) {
    return config::state_dir_for(app_dir);
}

ReleaseStore::ReleaseStore(fs::path state_dir) : root_(std::move(state_dir)) {}

fs::path ReleaseStore::release_dir(int version) const {
    return releases_dir() / fmt::format("v{}", version);
}

Status ReleaseStore::init() const {
    for (const auto& d : {root_, slugs_dir(), releases_dir(), cache_dir(), tmp_dir()})
        if (auto s = mkdir_p(d); !s) return explain_disk_error(std::move(s).error(), root_);
    return {};
}

Result<StoreLock> ReleaseStore::lock() const {
    if (auto s = init(); !s) return std::move(s).error();
    auto path = root_ / "lock";
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) return sys_error("open {}", path.string());
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == -1) {
        if (errno != EWOULDBLOCK) return sys_error("flock {}", path.string());
        std::string holder;
        if (auto text = read_file(path)) holder = text->substr(0, text->find('\n'));
        return Error(
            fmt::format("another build or release is in progress for this app (pid {} holds {})",
                        holder.empty() ? "unknown" : holder, path.string()),
            {}, EWOULDBLOCK);
    }
    // The pid is informational only (for the message above); the flock is the lock.
    if (::ftruncate(fd.get(), 0) == 0) {
        auto pid = fmt::format("{}\n", ::getpid());
        [[maybe_unused]] auto n = ::pwrite(fd.get(), pid.data(), pid.size(), 0);
    }
    // Every activation happens under this lock, so repairing here means no writer ever
    // builds on a history that lost its last activation. Best effort: a full disk must not
    // stop a writer that frees space, and readers already read around the gap.
    (void)reconcile_history();
    return StoreLock(std::move(fd));
}

Status ReleaseStore::clean_leftovers() const {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(releases_dir(), ec))
        if (e.path().filename().string().rfind(".tmp-", 0) == 0)
            if (auto s = remove_tree(e.path()); !s) return s;
    for (const auto& e : fs::directory_iterator(slugs_dir(), ec))
        if (e.is_directory() && !fs::exists(e.path() / "slug.json"))
            if (auto s = remove_tree(e.path()); !s) return s;
    for (const auto& e : fs::directory_iterator(tmp_dir(), ec))
        if (auto s = remove_tree(e.path()); !s) return s;
    for (const auto& e : fs::directory_iterator(root_, ec))
        if (e.path().filename().string().find(".tmp-") != std::string::npos)
            fs::remove(e.path(), ec);
    return {};
}

Result<int> ReleaseStore::current_version() const {
    std::error_code ec;
    auto target = fs::read_symlink(current_link(), ec);
    if (ec) {
        if (ec == std::errc::no_such_file_or_directory) return 0;
        return Error(fmt::format("read {}: {}", current_link().string(), ec.message()), {},
                     ec.value());
    }
    int v = version_of_dir_name(target.filename().string());
    if (v == 0)
        return Error(fmt::format("{} points at {}, which is not a release", current_link().string(),
                                 target.string()));
    return v;
}

Result<Release> ReleaseStore::load(int version) const {
    auto dir = release_dir(version);
    if (!fs::is_directory(dir))
        return Error(fmt::format("release v{} does not exist", version), {}, ENOENT);
    auto text = read_file(dir / "release.json");
    if (!text) return std::move(text).error();
    return parse_release_json(*text, (dir / "release.json").string());
}

Result<SlugMeta> ReleaseStore::load_slug(const std::string& id) const {
    auto path = slug_dir(id) / "slug.json";
    auto text = read_file(path);
    if (!text)
        return Error(fmt::format("slug {} is missing or unfinished: {}", id, text.error().message),
                     {}, ENOENT);
    return parse_slug_meta_json(*text, path.string());
}

std::vector<int> ReleaseStore::versions_on_disk() const {
    std::vector<int> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(releases_dir(), ec))
        if (int v = version_of_dir_name(e.path().filename().string()); v > 0) out.push_back(v);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<HistoryEvent> ReleaseStore::history() const {
    auto text = read_file(history_path());
    if (!text) return {};
    return parse_history(*text);
}

int ReleaseStore::previous_version() const {
    auto cur = current_version();
    if (!cur || *cur == 0) return 0;
    return previous_release(history(), *cur);
}

Result<std::vector<ReleaseInfo>> ReleaseStore::list() const {
    auto cur = current_version();
    if (!cur) return std::move(cur).error();
    auto events = history();
    auto statuses = derive_statuses(events, *cur);
    std::vector<ReleaseInfo> out;
    for (int v : versions_on_disk()) {
        auto r = load(v);
        if (!r) return std::move(r).error();
        ReleaseInfo info{std::move(*r), ReleaseStatus::pending, failure_reason(events, v)};
        if (auto it = statuses.find(v); it != statuses.end()) info.status = it->second;
        out.push_back(std::move(info));
    }
    return out;
}

Result<std::string> ReleaseStore::new_slug_dir() const {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    std::string id = fmt::format("s{}-{}", secs.count(), random_suffix().substr(0, 6));
    if (auto s = mkdir_p(slug_app_dir(id)); !s)
        return explain_disk_error(std::move(s).error(), root_);
    return id;
}

Status ReleaseStore::commit_slug(const SlugMeta& meta) const {
    auto dir = slug_dir(meta.id);
    if (auto s = drop_shared_write(dir); !s) return s;
    if (auto s = fsync_tree(dir); !s) return explain_disk_error(std::move(s).error(), root_);
    test_pause_point("slug:before-commit");
    if (auto s = write_file_atomic(dir / "slug.json", slug_meta_to_json(meta)); !s)
        return explain_disk_error(std::move(s).error(), root_);
    return fsync_path(slugs_dir());
}

Result<int> ReleaseStore::create(Release r) const {
    if (auto s = init(); !s) return std::move(s).error();
    int next = 0;
    for (int v : versions_on_disk()) next = std::max(next, v);
    // Pruned versions are gone from disk but stay in the history: never reuse a number.
    for (const auto& e : history()) next = std::max(next, e.version);
    r.version = next + 1;
    if (r.created_at.empty()) r.created_at = now_rfc3339();

    auto tmp = releases_dir() / (".tmp-" + random_suffix());
    if (auto s = mkdir_p(tmp); !s) return explain_disk_error(std::move(s).error(), root_);
    auto fail = [&](Error e) -> Result<int> {
        (void)remove_tree(tmp);
        return explain_disk_error(std::move(e), root_);
    };
    // 0600: release.json holds config vars, which are secrets.
    if (auto s = write_file_atomic(tmp / "release.json", release_to_json(r), 0600); !s)
        return fail(std::move(s).error());
    if (auto s = fsync_path(tmp); !s) return fail(std::move(s).error());
    test_pause_point("release:before-rename");
    auto final_dir = release_dir(r.version);
    if (::rename(tmp.c_str(), final_dir.c_str()) == -1)
        return fail(sys_error("rename {} to {}", tmp.string(), final_dir.string()));
    if (auto s = fsync_path(releases_dir()); !s)
        return explain_disk_error(std::move(s).error(), root_);
    HistoryEvent ev{now_rfc3339(), r.version, "created", r.description, {}};
    if (auto s = append_history(ev); !s) return std::move(s).error();
    return r.version;
}

Status ReleaseStore::activate(int version) const {
    if (!fs::is_directory(release_dir(version)))
        return Error(fmt::format("release v{} does not exist", version), {}, ENOENT);
    test_pause_point("activate:before-swap");
    // Relative target: the state dir can be moved or mounted elsewhere as a whole.
    if (auto s = replace_symlink(current_link(), fs::path("releases") / fmt::format("v{}", version),
                                 "activate");
        !s)
        return explain_disk_error(std::move(s).error(), root_);
    test_pause_point("activate:after-swap");
    // The link is the truth; a crash before this line lands is repaired by the next writer
    // (reconcile_history, called by lock()) and read around by previous_release().
    auto s = append_history({now_rfc3339(), version, "activated", {}, {}});
    test_pause_point("activate:after-history");
    return s;
}

Result<bool> ReleaseStore::reconcile_history() const {
    auto cur = current_version();
    if (!cur) return std::move(cur).error();
    if (*cur == 0 || last_activated(history()) == *cur) return false;
    HistoryEvent ev{now_rfc3339(), *cur, "activated", {}, {}};
    ev.reason =
        "recorded late: paasrun stopped between making this release current and writing the "
        "history";
    if (auto s = append_history(ev); !s) return std::move(s).error();
    return true;
}

Status ReleaseStore::mark_failed(int version, const std::string& reason) const {
    return append_history({now_rfc3339(), version, "failed", {}, reason});
}

Status ReleaseStore::append_history(const HistoryEvent& e) const {
    if (auto s = append_line_durable(history_path(), format_history_event(e)); !s)
        return explain_disk_error(std::move(s).error(), root_);
    return {};
}

Result<std::vector<int>> ReleaseStore::prune(int keep) const {
    auto cur = current_version();
    if (!cur) return std::move(cur).error();
    int prev = previous_release(history(), *cur);
    auto doomed = releases_to_prune(versions_on_disk(), keep, *cur, prev);
    for (int v : doomed) {
        if (auto s = remove_tree(release_dir(v)); !s) return std::move(s).error();
        if (auto s = append_history({now_rfc3339(), v, "pruned", {}, {}}); !s)
            return std::move(s).error();
    }
    // Slugs: keep every finished slug a remaining release refers to.
    std::set<std::string> used;
    for (int v : versions_on_disk())
        if (auto r = load(v)) used.insert(r->slug_id);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(slugs_dir(), ec)) {
        auto id = e.path().filename().string();
        if (used.count(id) || !fs::exists(e.path() / "slug.json")) continue;
        if (auto s = remove_tree(e.path()); !s) return std::move(s).error();
    }
    return doomed;
}

}  // namespace paasrun::release
