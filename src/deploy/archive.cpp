#include "deploy/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fmt/format.h>

#include <cerrno>
#include <string>
#include <vector>

#include "deploy/tar_header.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::deploy {
namespace {

namespace fs = std::filesystem;

class GzReader {
public:
    explicit GzReader(gzFile f) : f_(f) {}
    ~GzReader() {
        if (f_) gzclose(f_);
    }
    GzReader(const GzReader&) = delete;
    GzReader& operator=(const GzReader&) = delete;

    // Reads exactly n bytes (false at a premature end).
    Result<bool> read(char* buf, std::size_t n) {
        std::size_t got = 0;
        while (got < n) {
            int r = gzread(f_, buf + got, static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 20)));
            if (r < 0) {
                int errnum = 0;
                const char* msg = gzerror(f_, &errnum);
                return Error(fmt::format("archive is not a valid gzip/tar stream: {}", msg ? msg : "read error"));
            }
            if (r == 0) return false;
            got += static_cast<std::size_t>(r);
        }
        return true;
    }

private:
    gzFile f_;
};

std::uint64_t padded(std::uint64_t size) { return (size + kTarBlock - 1) / kTarBlock * kTarBlock; }

// Opens the directory holding `rel` (creating missing directories), never following a
// symlink; returns it and the last component.
Result<std::pair<unique_fd, std::string>> open_parent(int root, const std::string& rel, bool create) {
    unique_fd dir{::fcntl(root, F_DUPFD_CLOEXEC, 3)};
    if (!dir) return sys_error("dup");
    std::string_view rest = rel;
    while (true) {
        auto slash = rest.find('/');
        if (slash == std::string_view::npos) return std::pair{std::move(dir), std::string(rest)};
        std::string comp(rest.substr(0, slash));
        rest.remove_prefix(slash + 1);
        int fd = ::openat(dir.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd == -1 && errno == ENOENT && create) {
            if (::mkdirat(dir.get(), comp.c_str(), 0755) == -1 && errno != EEXIST)
                return sys_error("archive member {}: mkdir {}", rel, comp);
            fd = ::openat(dir.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd == -1) {
            if (errno == ELOOP || errno == ENOTDIR)
                return Error(fmt::format("archive member {} goes through a symlink or a file ({}): refused", rel, comp));
            return sys_error("archive member {}: open {}", rel, comp);
        }
        dir.reset(fd);
    }
}

std::uint32_t safe_mode(std::uint32_t mode, bool dir) {
    mode &= 0777;
    return dir ? (mode | 0700) : (mode | 0600);
}

}  // namespace

Result<UnpackStats> unpack_archive(const fs::path& archive, const fs::path& dest, const UnpackLimits& limits) {
    unique_fd root{::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!root) return sys_error("open {}", dest.string());
    gzFile gz = gzopen(archive.c_str(), "rb");
    if (!gz) return sys_error("open archive {}", archive.string());
    GzReader in(gz);
    gzbuffer(gz, 256 * 1024);

    UnpackStats stats;
    std::uint64_t entries = 0;
    std::optional<std::string> long_name, long_link;
    std::optional<std::string> pax_body;
    std::string block(kTarBlock, '\0');
    std::vector<char> buf(1 << 20);
    bool saw_end = false;

    auto read_body = [&](std::uint64_t size) -> Result<std::string> {
        if (size > (1u << 20)) return Error("tar: extended header larger than 1 MiB");
        std::string body(padded(size), '\0');
        auto ok = in.read(body.data(), body.size());
        if (!ok) return std::move(ok).error();
        if (!*ok) return Error("archive ends in the middle of a member");
        body.resize(size);
        return body;
    };

    while (true) {
        auto ok = in.read(block.data(), kTarBlock);
        if (!ok) return std::move(ok).error();
        if (!*ok) break;  // EOF without the two zero blocks: GNU tar accepts it too
        if (is_zero_block(block)) {
            saw_end = true;
            break;
        }
        auto h = parse_tar_header(block);
        if (!h) return std::move(h).error();
        if (++entries > limits.max_entries)
            return Error(fmt::format("archive has more than {} members", limits.max_entries));

        if (h->type == TarType::gnu_longname || h->type == TarType::gnu_longlink || h->type == TarType::pax ||
            h->type == TarType::pax_global) {
            auto body = read_body(h->size);
            if (!body) return std::move(body).error();
            if (h->type == TarType::gnu_longname) long_name = body->substr(0, body->find('\0'));
            else if (h->type == TarType::gnu_longlink) long_link = body->substr(0, body->find('\0'));
            else if (h->type == TarType::pax) pax_body = std::move(*body);
            continue;
        }
        if (pax_body) {
            if (auto s = apply_pax(*pax_body, *h); !s) return std::move(s).error();
            pax_body.reset();
        }
        if (long_name) h->name = *std::exchange(long_name, std::nullopt);
        if (long_link) h->linkname = *std::exchange(long_link, std::nullopt);
        if (h->name.size() > limits.max_name)
            return Error(fmt::format("archive member name longer than {} bytes", limits.max_name));
        auto rel = safe_member_path(h->name);
        if (!rel) return std::move(rel).error();

        auto skip_data = [&]() -> Status {
            for (std::uint64_t left = padded(h->size); left > 0;) {
                auto n = std::min<std::uint64_t>(left, buf.size());
                auto r = in.read(buf.data(), n);
                if (!r) return std::move(r).error();
                if (!*r) return Error("archive ends in the middle of a member");
                left -= n;
            }
            return {};
        };

        if (rel->empty()) {  // "./": the root itself
            if (h->type != TarType::directory)
                return Error(fmt::format("archive member \"{}\" has an empty name", h->name));
            if (auto s = skip_data(); !s) return std::move(s).error();
            continue;
        }
        if (h->type == TarType::other)
            return Error(fmt::format("archive member {} is a special file (type '{}'): refused", *rel, h->typeflag));

        auto parent = open_parent(root.get(), *rel, true);
        if (!parent) return std::move(parent).error();
        auto& [dir, leaf] = *parent;

        switch (h->type) {
            case TarType::directory: {
                if (::mkdirat(dir.get(), leaf.c_str(), safe_mode(h->mode, true)) == -1) {
                    struct stat st {};
                    if (errno != EEXIST || ::fstatat(dir.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == -1 ||
                        !S_ISDIR(st.st_mode))
                        return Error(fmt::format("archive member {}: cannot create directory", *rel));
                }
                ++stats.dirs;
                if (auto s = skip_data(); !s) return std::move(s).error();
                break;
            }
            case TarType::symlink: {
                ::unlinkat(dir.get(), leaf.c_str(), 0);
                if (::symlinkat(h->linkname.c_str(), dir.get(), leaf.c_str()) == -1)
                    return sys_error("archive member {}: symlink", *rel);
                ++stats.links;
                if (auto s = skip_data(); !s) return std::move(s).error();
                break;
            }
            case TarType::hardlink: {
                auto target = safe_member_path(h->linkname);
                if (!target) return std::move(target).error();
                auto src = open_parent(root.get(), *target, false);
                if (!src) return std::move(src).error();
                ::unlinkat(dir.get(), leaf.c_str(), 0);
                if (::linkat(src->first.get(), src->second.c_str(), dir.get(), leaf.c_str(), 0) == -1)
                    return sys_error("archive member {}: hard link to {}", *rel, *target);
                ++stats.links;
                if (auto s = skip_data(); !s) return std::move(s).error();
                break;
            }
            default: {  // regular file
                stats.bytes += h->size;
                if (stats.bytes > limits.max_bytes)
                    return Error(fmt::format("archive unpacks to more than {} bytes: refused", limits.max_bytes));
                ::unlinkat(dir.get(), leaf.c_str(), 0);  // a later member of the same name wins
                unique_fd out{::openat(dir.get(), leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                       safe_mode(h->mode, false))};
                if (!out) return sys_error("archive member {}: create", *rel);
                for (std::uint64_t left = h->size; left > 0;) {
                    auto n = std::min<std::uint64_t>(left, buf.size());
                    auto r = in.read(buf.data(), n);
                    if (!r) return std::move(r).error();
                    if (!*r) return Error(fmt::format("archive ends in the middle of {}", *rel));
                    for (std::size_t off = 0; off < n;) {
                        ssize_t w = ::write(out.get(), buf.data() + off, n - off);
                        if (w < 0) {
                            if (errno == EINTR) continue;
                            return sys_error("archive member {}: write", *rel);
                        }
                        off += static_cast<std::size_t>(w);
                    }
                    left -= n;
                }
                ::fchmod(out.get(), safe_mode(h->mode, false));
                if (auto pad = padded(h->size) - h->size; pad > 0) {
                    auto r = in.read(buf.data(), pad);
                    if (!r) return std::move(r).error();
                }
                ++stats.files;
                break;
            }
        }
    }
    if (!saw_end && entries == 0) return Error("the archive is empty or not a tar archive");
    return stats;
}

}  // namespace paasrun::deploy
