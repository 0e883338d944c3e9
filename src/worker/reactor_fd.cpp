#include "worker/reactor_fd.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace paasrun::worker {

std::set<int> epoll_fds() {
    std::set<int> out;
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) return out;
    int self = ::dirfd(dir);
    while (dirent* e = ::readdir(dir)) {
        char* end = nullptr;
        long fd = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || fd == self) continue;
        char target[64];
        std::string link = std::string("/proc/self/fd/") + e->d_name;
        ssize_t n = ::readlink(link.c_str(), target, sizeof target);
        if (n > 0 &&
            std::string_view(target, static_cast<std::size_t>(n)) == "anon_inode:[eventpoll]")
            out.insert(static_cast<int>(fd));
    }
    ::closedir(dir);
    return out;
}

Result<int> new_epoll_fd(const std::set<int>& before, const std::set<int>& after) {
    int found = -1;
    for (int fd : after) {
        if (before.count(fd) != 0) continue;
        if (found >= 0)
            return Error("more than one new epoll fd: cannot tell which is the front end's");
        found = fd;
    }
    if (found < 0) return Error("the front end's epoll fd was not found");
    return found;
}

}  // namespace paasrun::worker
