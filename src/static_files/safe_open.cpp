#include "static_files/safe_open.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace paasrun::static_files {
namespace {

constexpr int kFileFlags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

int sys_openat2(int dir_fd, const char* path, int flags, std::uint64_t resolve) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags);
    how.resolve = resolve;
    // Debian 12's glibc (2.36) declares no openat2() wrapper: raw syscall.
    return static_cast<int>(::syscall(SYS_openat2, dir_fd, path, &how, sizeof how));
}

int open_with_openat2(int root_fd, const char* path, unique_fd& out) {
    for (;;) {
        int fd = sys_openat2(root_fd, path, kFileFlags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
        if (fd >= 0) {
            out.reset(fd);
            return 0;
        }
        if (errno == EINTR) continue;
        // EAGAIN: RESOLVE_CACHED is not used, but a racing rename may still ask to retry.
        if (errno == EAGAIN) continue;
        return errno;
    }
}

int open_by_walk(int root_fd, std::string_view rel, unique_fd& out) {
    char name[NAME_MAX + 1];
    unique_fd dir;  // current directory below the root (empty: the root itself)
    while (true) {
        auto slash = rel.find('/');
        auto seg = rel.substr(0, slash);
        if (seg.empty() || seg.size() > NAME_MAX) return seg.empty() ? ENOENT : ENAMETOOLONG;
        // openat(dir, "..") climbs: refuse it here too, whatever the caller checked.
        if (seg == "." || seg == "..") return EXDEV;
        std::memcpy(name, seg.data(), seg.size());
        name[seg.size()] = '\0';
        int at = dir ? dir.get() : root_fd;
        bool last = slash == std::string_view::npos;
        // Intermediate steps: O_PATH|O_DIRECTORY|O_NOFOLLOW fails with ENOTDIR on a symlink.
        // Last step: O_NOFOLLOW fails with ELOOP on a symlink.
        int flags =
            last ? (kFileFlags | O_NOFOLLOW) : (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int fd;
        do {
            fd = ::openat(at, name, flags);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) return errno;
        if (last) {
            out.reset(fd);
            return 0;
        }
        dir.reset(fd);
        rel.remove_prefix(slash + 1);
    }
}

}  // namespace

std::string_view describe(Resolver r) noexcept {
    switch (r) {
        case Resolver::automatic:
            return "automatic";
        case Resolver::beneath:
            return "beneath";
        case Resolver::walk:
            return "walk";
    }
    return "unknown";
}

bool openat2_works(int dir_fd) noexcept {
    int fd = sys_openat2(dir_fd, ".", O_PATH | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

int open_beneath(int root_fd, std::string_view rel, Resolver mode, unique_fd& out) noexcept {
    if (rel.empty() || rel.size() > PATH_MAX - 1) return rel.empty() ? ENOENT : ENAMETOOLONG;
    if (rel.find('\0') != std::string_view::npos) return ENOENT;
    if (mode == Resolver::walk) return open_by_walk(root_fd, rel, out);
    char path[PATH_MAX];
    std::memcpy(path, rel.data(), rel.size());
    path[rel.size()] = '\0';
    return open_with_openat2(root_fd, path, out);
}

}  // namespace paasrun::static_files
