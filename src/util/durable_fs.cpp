#include "util/durable_fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "util/fd_io.hpp"
#include "util/test_hooks.hpp"
#include "util/unique_fd.hpp"

namespace paasrun {

namespace fs = std::filesystem;

Status fsync_path(const fs::path& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd && errno == ELOOP) return {};  // a symlink: nothing of its own to flush
    if (!fd) return sys_error("open {} for fsync", path.string());
    if (::fsync(fd.get()) == -1) return sys_error("fsync {}", path.string());
    return {};
}

Status write_file_atomic(const fs::path& path, std::string_view data, int mode) {
    fs::path tmp = path;
    tmp += ".tmp-" + random_suffix();
    unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd) return sys_error("create {}", tmp.string());
    auto cleanup = [&] { ::unlink(tmp.c_str()); };
    if (write_all(fd.get(), data)) {
        auto e = sys_error("write {}", tmp.string());
        cleanup();
        return e;
    }
    if (::fsync(fd.get()) == -1) {
        auto e = sys_error("fsync {}", tmp.string());
        cleanup();
        return e;
    }
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) == -1) {
        auto e = sys_error("rename {} to {}", tmp.string(), path.string());
        cleanup();
        return e;
    }
    return fsync_path(path.parent_path());
}

Status fsync_tree(const fs::path& root) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        auto st = it->symlink_status(ec);
        if (ec) break;
        if (fs::is_regular_file(st) || fs::is_directory(st))
            if (auto s = fsync_path(it->path()); !s) return s;
    }
    if (ec) return Error(fmt::format("walk {}: {}", root.string(), ec.message()), {}, ec.value());
    return fsync_path(root);
}

Status replace_symlink(const fs::path& link, const fs::path& target, std::string_view pause_tag) {
    fs::path tmp = link;
    tmp += ".tmp-" + random_suffix();
    if (::symlink(target.c_str(), tmp.c_str()) == -1)
        return sys_error("symlink {} -> {}", tmp.string(), target.string());
    if (!pause_tag.empty()) test_pause_point(fmt::format("{}:after-link", pause_tag));
    if (::rename(tmp.c_str(), link.c_str()) == -1) {
        auto e = sys_error("rename {} to {}", tmp.string(), link.string());
        ::unlink(tmp.c_str());
        return e;
    }
    if (!pause_tag.empty()) test_pause_point(fmt::format("{}:after-rename", pause_tag));
    return fsync_path(link.parent_path());
}

Status append_line_durable(const fs::path& path, std::string_view line, int mode) {
    unique_fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode));
    if (!fd) return sys_error("open {}", path.string());
    std::string buf(line);
    buf += '\n';
    // One write(2): O_APPEND makes it land at the end as a unit, even with concurrent appenders.
    if (write_all(fd.get(), buf)) return sys_error("write {}", path.string());
    if (::fsync(fd.get()) == -1) return sys_error("fsync {}", path.string());
    return {};
}

Status remove_tree(const fs::path& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) return Error(fmt::format("remove {}: {}", path.string(), ec.message()), {}, ec.value());
    return {};
}

std::string random_suffix() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return fmt::format("{:012x}", rng() & 0xffffffffffffULL);
}

Error explain_disk_error(Error err, const fs::path& dir) {
    if (err.sys_errno == ENOSPC || err.sys_errno == EDQUOT)
        err.message +=
            fmt::format(" (the disk holding {} is full: free some space and retry)", dir.string());
    return err;
}

}  // namespace paasrun
