#include "serve/source_watch.hpp"

#include <fmt/format.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "util/read_file.hpp"

namespace paasrun::worker {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kEvents =
    IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;

bool ends_with_any(std::string_view s, std::initializer_list<std::string_view> suffixes) {
    return std::any_of(suffixes.begin(), suffixes.end(),
                       [&](std::string_view x) { return s.ends_with(x); });
}

std::string join(const std::string& dir, std::string_view name) {
    return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

}  // namespace

bool skipped_dir_name(std::string_view name) {
    return name == ".git" || name == ".hg" || name == ".svn" || name == "__pycache__" ||
           name == ".paasrun" || name == "node_modules" || name == ".venv" ||
           name == ".mypy_cache" || name == ".pytest_cache";
}

bool relevant_change(const IgnoreRules& gitignore, std::string_view rel, bool is_dir) {
    // Any component that is a skipped directory (a path reported from inside one).
    std::string_view rest = rel;
    while (true) {
        auto slash = rest.find('/');
        auto part = rest.substr(0, slash);
        if ((slash != std::string_view::npos || is_dir) && skipped_dir_name(part)) return false;
        if (slash == std::string_view::npos) break;
        // A directory above that .gitignore excludes excludes everything under it (git's rule).
        auto dir = rel.substr(0, static_cast<std::size_t>(rest.data() - rel.data()) + slash);
        if (!gitignore.empty() && gitignore.excluded(dir, true)) return false;
        rest.remove_prefix(slash + 1);
    }
    auto name = rel.substr(rel.rfind('/') == std::string_view::npos ? 0 : rel.rfind('/') + 1);
    if (!is_dir) {
        // Editors: vim's swap files and its 4913 probe, emacs' lock and backup files.
        if (name.starts_with(".#") || name == "4913" || name.ends_with("~") ||
            ends_with_any(name, {".swp", ".swx", ".swo", ".tmp"}))
            return false;
        // Byte code, and data the app writes beside its code (a request writing to SQLite
        // must not reload the app that served it).
        if (ends_with_any(name, {".pyc", ".pyo", ".sqlite", ".sqlite3", ".db", "-journal", "-wal",
                                 "-shm", ".log"}))
            return false;
    }
    return gitignore.empty() || !gitignore.excluded(rel, is_dir);
}

Result<SourceWatch> SourceWatch::open(const fs::path& root) {
    unique_fd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd) return sys_error("inotify_init1");
    IgnoreRules rules;
    std::error_code ec;
    if (fs::is_regular_file(root / ".gitignore", ec)) {
        auto text = read_file(root / ".gitignore");
        if (!text) return std::move(text).error();
        rules = IgnoreRules(*text);
    }
    SourceWatch w(std::move(fd), root, std::move(rules));
    w.add_tree("");
    if (w.dirs_.empty())
        return Error(fmt::format("cannot watch {}: {}", root.string(), w.warning_));
    return w;
}

void SourceWatch::add_tree(const std::string& rel) {
    auto path = rel.empty() ? root_ : root_ / rel;
    std::error_code ec;
    if (!rel.empty()) {
        if (!relevant_change(gitignore_, rel, true)) return;
        if (fs::exists(path / "pyvenv.cfg", ec)) return;  // a virtualenv, whatever its name
    }
    int wd = ::inotify_add_watch(fd_.get(), path.c_str(), kEvents | IN_ONLYDIR | IN_DONT_FOLLOW);
    if (wd == -1) {
        if (warning_.empty())
            warning_ = fmt::format("cannot watch {}: {}{}", path.string(), std::strerror(errno),
                                   errno == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
        return;
    }
    dirs_[wd] = rel;
    for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec))
            add_tree(join(rel, it->path().filename().string()));
    }
}

std::optional<std::string> SourceWatch::changed() {
    std::optional<std::string> first;
    alignas(inotify_event) std::array<char, 16384> buf;
    while (true) {
        ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
        if (n == -1 && errno == EINTR) continue;
        if (n <= 0) return first;  // EAGAIN: drained
        for (ssize_t off = 0; off < n;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + off);
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            if (ev->mask & IN_IGNORED) {
                dirs_.erase(ev->wd);
                continue;
            }
            if (ev->mask & IN_Q_OVERFLOW) {  // events were lost: something surely changed
                if (!first) first = ".";
                continue;
            }
            auto dir = dirs_.find(ev->wd);
            if (dir == dirs_.end() || ev->len == 0) continue;
            std::string rel = join(dir->second, ev->name);
            bool is_dir = (ev->mask & IN_ISDIR) != 0;
            if (!relevant_change(gitignore_, rel, is_dir)) continue;
            if (is_dir && (ev->mask & (IN_CREATE | IN_MOVED_TO))) add_tree(rel);
            if (!first) first = rel;
        }
    }
}

}  // namespace paasrun::worker
