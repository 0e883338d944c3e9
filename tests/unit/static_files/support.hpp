// Test helpers for static_files: temp trees, files with fixed mtimes, and a request builder.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "static_files/static_files.hpp"

namespace paasrun::static_files::test {

namespace fs = std::filesystem;

/// The whitenoise fixture tree (tests/fixtures/corpora/whitenoise-fixtures, MIT).
inline fs::path whitenoise_files() {
    return fs::path(PAASRUN_FIXTURES) / "corpora" / "whitenoise-fixtures" / "tests" / "test_files";
}

/// A temporary directory removed with everything in it when the object dies.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "paasrun-static-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }
    [[nodiscard]] std::string str() const { return path_.string(); }
    fs::path operator/(std::string_view rel) const { return path_ / rel; }

private:
    fs::path path_;
};

inline void write_file(const fs::path& p, std::string_view content) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("write failed: " + p.string());
}

inline std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Sets a file's mtime (and atime) to `seconds` since the epoch.
inline void set_mtime(const fs::path& p, std::int64_t seconds, long nanos = 0) {
    struct timespec times[2] = {{seconds, nanos}, {seconds, nanos}};
    if (::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        throw std::runtime_error("utimensat failed: " + p.string());
}

/// Copies the whitenoise fixture tree into `dir` (writable copies).
inline void copy_whitenoise_tree(const fs::path& dir) {
    fs::copy(whitenoise_files(), dir, fs::copy_options::recursive);
    for (auto& e : fs::recursive_directory_iterator(dir))
        fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
}

/// A GET request for `path` with no fields.
inline RequestView get(std::string_view path, std::string_view method = "GET") {
    RequestView r;
    r.method = method;
    auto q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string_view::npos) r.query = path.substr(q + 1);
    return r;
}

/// The body a plan would send (memory or file range read with pread).
inline std::string body_of(const ResponsePlan& p) {
    if (p.body == BodySource::memory) return std::string(p.memory);
    if (p.body != BodySource::file) return {};
    std::string out(p.length, '\0');
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::pread(p.fd, out.data() + done, out.size() - done,
                            static_cast<off_t>(p.offset + done));
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return out;
}

inline std::unique_ptr<StaticFiles> open_or_throw(const StaticConfig& cfg) {
    auto r = StaticFiles::open(cfg);
    if (!r) throw std::runtime_error(r.error().describe());
    return std::move(*r);
}

}  // namespace paasrun::static_files::test
