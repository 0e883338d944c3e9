#include "deploy/slug_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "static_files/safe_open.hpp"
#include "util/durable_fs.hpp"
#include "util/fd_io.hpp"

namespace paasrun::deploy {

namespace fs = std::filesystem;

namespace {

constexpr off_t kMaxText = 4 << 20;

// The directory `rel` beneath app_fd, every step O_NOFOLLOW; "" is the app dir itself.
unique_fd open_dir(int app_fd, const fs::path& rel) {
    unique_fd out;
    if (rel.empty()) {
        out.reset(::openat(app_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        return out;
    }
    if (static_files::open_beneath(app_fd, rel.string(), static_files::Resolver::walk, out) != 0)
        return {};
    struct stat st {};
    if (::fstat(out.get(), &st) != 0 || !S_ISDIR(st.st_mode)) return {};
    return out;
}

}  // namespace

Result<unique_fd> open_slug_app(const fs::path& app_dir) {
    unique_fd fd(::open(app_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return sys_error("open {}", app_dir.string());
    return fd;
}

bool is_slug_dir(int app_fd, const fs::path& rel) {
    return open_dir(app_fd, rel).valid();
}

std::optional<SlugText> read_slug_text(int app_fd, const fs::path& rel) {
    SlugText f;
    f.dir = open_dir(app_fd, rel.parent_path());
    if (!f.dir) return std::nullopt;
    f.name = rel.filename().string();
    unique_fd fd(::openat(f.dir.get(), f.name.c_str(),
                          O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxText)
        return std::nullopt;
    f.mode = st.st_mode & 07777;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        f.text.append(buf, static_cast<std::size_t>(n));
        if (f.text.size() > static_cast<std::size_t>(kMaxText)) return std::nullopt;
    }
    if (f.text.substr(0, 8192).find('\0') != std::string::npos) return std::nullopt;
    return f;
}

Status rewrite_slug_text(const SlugText& f, std::string_view text) {
    auto tmp = fmt::format(".{}.tmp-{}", f.name, paasrun::random_suffix());
    unique_fd fd(::openat(f.dir.get(), tmp.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, f.mode));
    if (!fd) return sys_error("create {}", tmp);
    auto fail = [&](Error e) -> Status {
        ::unlinkat(f.dir.get(), tmp.c_str(), 0);
        return e;
    };
    // The umask may have dropped bits of the old mode: set it exactly.
    if (::fchmod(fd.get(), f.mode) != 0) return fail(sys_error("chmod {}", tmp));
    if (write_all(fd.get(), text)) return fail(sys_error("write {}", tmp));
    if (::fsync(fd.get()) != 0) return fail(sys_error("fsync {}", tmp));
    fd.reset();
    if (::renameat(f.dir.get(), tmp.c_str(), f.dir.get(), f.name.c_str()) != 0)
        return fail(sys_error("rename {} to {}", tmp, f.name));
    if (::fsync(f.dir.get()) != 0) return sys_error("fsync the directory of {}", f.name);
    return {};
}

void remove_compiled(const SlugText& f) {
    int cache =
        ::openat(f.dir.get(), "__pycache__", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (cache < 0) return;
    DIR* d = ::fdopendir(cache);
    if (!d) {
        ::close(cache);
        return;
    }
    auto dot = f.name.rfind('.');
    std::string prefix = f.name.substr(0, dot) + ".";
    while (auto* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name.rfind(prefix, 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".pyc")
            ::unlinkat(cache, e->d_name, 0);  // unlinkat never follows: a symlink itself would go
    }
    ::closedir(d);
}

}  // namespace paasrun::deploy
