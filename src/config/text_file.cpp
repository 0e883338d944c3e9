#include "config/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "util/unique_fd.hpp"

namespace paasrun::config {

namespace {

Error file_error(const std::string& path, int err, std::string_view what) {
    return Error(fmt::format("cannot {}: {}", what, std::strerror(err)), Where{path, 0, 0}, err);
}

}  // namespace

Result<std::optional<std::string>> read_optional_text_file(const std::string& path) {
    // O_NONBLOCK: opening a FIFO by mistake must not hang `paasrun check`.
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return file_error(path, errno, "open");
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) == -1) return file_error(path, errno, "stat");
    if (S_ISDIR(st.st_mode)) return Error("is a directory, not a file", Where{path, 0, 0}, EISDIR);
    if (!S_ISREG(st.st_mode)) return Error("is not a regular file", Where{path, 0, 0});
    if (static_cast<std::size_t>(st.st_size) > max_config_file_size)
        return Error(fmt::format("file is too large ({} bytes; the limit is {})", st.st_size,
                                 max_config_file_size),
                     Where{path, 0, 0});

    std::string text;
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
        ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
        if (n == -1) {
            if (errno == EINTR) continue;
            return file_error(path, errno, "read");
        }
        if (n == 0) break;  // truncated while we read: use what is there
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    return std::optional<std::string>{std::move(text)};
}

Result<std::string> read_text_file(const std::string& path) {
    auto r = read_optional_text_file(path);
    if (!r) return std::move(r).error();
    if (!r->has_value()) return Error("no such file", Where{path, 0, 0}, ENOENT);
    return std::move(**r);
}

}  // namespace paasrun::config
