#include "util/fd_io.hpp"

#include <unistd.h>

#include <cerrno>

namespace paasrun {

std::error_code write_all(int fd, std::string_view data) noexcept {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;  // no progress on a non-empty write: do not spin
            return {errno, std::generic_category()};
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace paasrun
