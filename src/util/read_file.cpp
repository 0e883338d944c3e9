#include "util/read_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "util/unique_fd.hpp"

namespace paasrun {

Result<std::string> read_file(const std::filesystem::path& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error("open {}", path.string());
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n == -1) {
            if (errno == EINTR) continue;
            return sys_error("read {}", path.string());
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace paasrun
