#include "static_files/compress.hpp"

#include <brotli/encode.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "static_files/accept_encoding.hpp"
#include "static_files/media_types.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::static_files {
namespace fs = std::filesystem;
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Result<std::string> read_file(const std::string& path, struct stat& st) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) return sys_error("open {}", path);
    if (::fstat(fd.get(), &st) != 0) return sys_error("fstat {}", path);
    if (!S_ISREG(st.st_mode)) return Error(fmt::format("{}: not a regular file", path));
    std::string data(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::read(fd.get(), data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("read {}", path);
        if (n == 0) break;  // shrank while reading: compress what is there now
        done += static_cast<std::size_t>(n);
    }
    data.resize(done);
    return data;
}

// Writes `bytes` to `path` through a hidden temp file in the same directory, with the
// original's timestamps, then renames: a server never sees a half-written sibling.
Status write_sibling(const std::string& path, std::string_view bytes, const struct stat& original) {
    auto slash = path.rfind('/');
    std::string tmp = path.substr(0, slash + 1) + "." + path.substr(slash + 1) +
                      fmt::format(".tmp-{}", ::getpid());
    unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) return sys_error("create {}", tmp);
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            auto err = sys_error("write {}", tmp);
            ::unlink(tmp.c_str());
            return err;
        }
        done += static_cast<std::size_t>(n);
    }
    const struct timespec times[2] = {original.st_atim, original.st_mtim};
    if (::futimens(fd.get(), times) != 0 || ::close(fd.release()) != 0) {
        auto err = sys_error("finish {}", tmp);
        ::unlink(tmp.c_str());
        return err;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        auto err = sys_error("rename {} to {}", tmp, path);
        ::unlink(tmp.c_str());
        return err;
    }
    return {};
}

bool same_mtime(const struct stat& a, const struct stat& b) {
    return a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

void compress_file(const std::string& path, const CompressOptions& options, CompressReport& report,
                   const std::function<void(const std::string&)>& on_write) {
    auto media = media_type_for(path);
    if (!media.compressible) {
        ++report.skipped;
        return;
    }
    struct stat st {};
    auto data = read_file(path, st);
    if (!data) {
        report.errors.push_back(std::move(data).error());
        return;
    }
    ++report.files;
    for (auto coding : {Coding::br, Coding::gzip}) {
        if ((coding == Coding::br && !options.brotli) || (coding == Coding::gzip && !options.gzip))
            continue;
        std::string sibling = path + std::string(coding_suffix(coding));
        struct stat sst {};
        bool exists = ::lstat(sibling.c_str(), &sst) == 0;
        if (exists && !S_ISREG(sst.st_mode)) {
            report.errors.emplace_back(
                fmt::format("{}: exists and is not a regular file", sibling));
            continue;
        }
        if (exists && same_mtime(sst, st)) {
            ++report.up_to_date;
            continue;
        }
        auto packed =
            coding == Coding::br ? brotli_compress(*data, media.text) : gzip_compress(*data);
        if (!packed) {
            report.errors.emplace_back(fmt::format("{}: {} failed", path, coding_name(coding)));
            continue;
        }
        if (!worth_keeping(data->size(), packed->size())) {
            ++report.not_worth_it;
            if (exists) {
                if (::unlink(sibling.c_str()) == 0)
                    ++report.removed_stale;
                else
                    report.errors.push_back(sys_error("remove stale {}", sibling));
            }
            continue;
        }
        if (auto w = write_sibling(sibling, *packed, st); !w) {
            report.errors.push_back(std::move(w).error());
            continue;
        }
        ++report.written;
        if (on_write) on_write(sibling);
    }
}

}  // namespace

std::optional<std::string> gzip_compress(std::string_view data) {
    z_stream zs{};
    // windowBits 15 + 16: gzip framing; memLevel 9: best ratio. The header's mtime stays 0.
    if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return std::nullopt;
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&zs, Z_FINISH);
    std::size_t produced = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) return std::nullopt;
    out.resize(produced);
    return out;
}

std::optional<std::string> brotli_compress(std::string_view data, bool text) {
    std::size_t bound = BrotliEncoderMaxCompressedSize(data.size());
    if (bound == 0 && !data.empty()) return std::nullopt;
    std::string out(bound == 0 ? 16 : bound, '\0');
    std::size_t produced = out.size();
    if (!BrotliEncoderCompress(BROTLI_MAX_QUALITY, BROTLI_DEFAULT_WINDOW,
                               text ? BROTLI_MODE_TEXT : BROTLI_MODE_GENERIC, data.size(),
                               reinterpret_cast<const std::uint8_t*>(data.data()), &produced,
                               reinterpret_cast<std::uint8_t*>(out.data())))
        return std::nullopt;
    out.resize(produced);
    return out;
}

bool worth_keeping(std::size_t original, std::size_t compressed) noexcept {
    // compressed / original <= 0.95, in integers: 100 * compressed <= 95 * original.
    return original > 0 && compressed * 100 <= original * 95;
}

Result<CompressReport> compress_tree(const std::string& dir, const CompressOptions& options,
                                     const std::function<void(const std::string&)>& on_write) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Error(fmt::format("{}: not a directory", dir));
    CompressReport report;
    // Symlinked directories are not followed (the default), so the walk stays inside DIR.
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) return Error(fmt::format("{}: {}", dir, ec.message()), {}, ec.value());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            report.errors.emplace_back(fmt::format("{}: {}", dir, ec.message()), Where{},
                                       ec.value());
            break;
        }
        const auto& entry = *it;
        std::string name = entry.path().filename().string();
        if (!name.empty() && name.front() == '.') {
            if (entry.is_directory(ec) && !entry.is_symlink(ec)) it.disable_recursion_pending();
            ++report.skipped;
            continue;
        }
        if (entry.is_symlink(ec) || !entry.is_regular_file(ec)) {
            if (entry.is_symlink(ec)) ++report.skipped;
            continue;
        }
        if (ends_with(name, ".gz") || ends_with(name, ".br")) {
            ++report.skipped;
            continue;
        }
        compress_file(entry.path().string(), options, report, on_write);
    }
    return report;
}

}  // namespace paasrun::static_files
