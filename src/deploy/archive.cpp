#include "deploy/archive.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "deploy/tar_header.hpp"
#include "util/fd_io.hpp"
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
            int r = gzread(f_, buf + got,
                           static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 20)));
            if (r < 0) {
                int errnum = 0;
                const char* msg = gzerror(f_, &errnum);
                return Error(fmt::format("archive is not a valid gzip/tar stream: {}",
                                         msg ? msg : "read error"));
            }
            if (r == 0) return false;
            got += static_cast<std::size_t>(r);
        }
        return true;
    }

private:
    gzFile f_;
};

std::uint64_t padded(std::uint64_t size) {
    return (size + kTarBlock - 1) / kTarBlock * kTarBlock;
}

// Opens the directory holding `rel` (creating missing directories), never following a
// symlink; returns it and the last component.
Result<std::pair<unique_fd, std::string>> open_parent(int root, const std::string& rel,
                                                      bool create) {
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
                return Error(fmt::format(
                    "archive member {} goes through a symlink or a file ({}): refused", rel, comp));
            return sys_error("archive member {}: open {}", rel, comp);
        }
        dir.reset(fd);
    }
}

std::uint32_t safe_mode(std::uint32_t mode, bool dir) {
    mode &= 0777;
    return dir ? (mode | 0700) : (mode | 0600);
}

bool is_extension_header(TarType t) {
    return t == TarType::gnu_longname || t == TarType::gnu_longlink || t == TarType::pax ||
           t == TarType::pax_global;
}

// One unpack: the stream, the extraction root, the limits and what was made so far. Each
// member goes header -> name -> the one function for its type; every function reads exactly
// the member's padded data, so the stream stays on a block boundary.
class Unpacker {
public:
    Unpacker(GzReader& in, int root, const UnpackLimits& limits)
        : in_(in), root_(root), limits_(limits) {}

    Result<UnpackStats> run() {
        while (true) {
            auto h = next_header();
            if (!h) return std::move(h).error();
            if (!*h) break;
            if (auto s = extract(**h); !s) return std::move(s).error();
        }
        if (!saw_end_ && entries_ == 0) return Error("the archive is empty or not a tar archive");
        return stats_;
    }

private:
    // The next member's header with GNU long names and pax records applied; nullopt at the
    // end (two zero blocks, or EOF without them: GNU tar accepts that too).
    Result<std::optional<TarHeader>> next_header() {
        std::optional<std::string> long_name, long_link, pax_body;
        while (true) {
            auto ok = in_.read(block_.data(), kTarBlock);
            if (!ok) return std::move(ok).error();
            if (!*ok) return std::optional<TarHeader>{};
            if (is_zero_block(block_)) {
                saw_end_ = true;
                return std::optional<TarHeader>{};
            }
            auto h = parse_tar_header(block_);
            if (!h) return std::move(h).error();
            if (++entries_ > limits_.max_entries)
                return Error(fmt::format("archive has more than {} members", limits_.max_entries));
            if (!is_extension_header(h->type)) {
                if (pax_body)
                    if (auto s = apply_pax(*pax_body, *h); !s) return std::move(s).error();
                if (long_name) h->name = *long_name;
                if (long_link) h->linkname = *long_link;
                return std::optional<TarHeader>{std::move(*h)};
            }
            auto body = read_extension(h->size);
            if (!body) return std::move(body).error();
            if (h->type == TarType::gnu_longname)
                long_name = body->substr(0, body->find('\0'));
            else if (h->type == TarType::gnu_longlink)
                long_link = body->substr(0, body->find('\0'));
            else if (h->type == TarType::pax)
                pax_body = std::move(*body);
        }
    }

    Result<std::string> read_extension(std::uint64_t size) {
        if (size > (1u << 20)) return Error("tar: extended header larger than 1 MiB");
        std::string body(padded(size), '\0');
        auto ok = in_.read(body.data(), body.size());
        if (!ok) return std::move(ok).error();
        if (!*ok) return Error("archive ends in the middle of a member");
        body.resize(size);
        return body;
    }

    Status extract(const TarHeader& h) {
        if (h.name.size() > limits_.max_name)
            return Error(fmt::format("archive member name longer than {} bytes", limits_.max_name));
        auto rel = safe_member_path(h.name);
        if (!rel) return std::move(rel).error();
        if (rel->empty()) {  // "./": the root itself
            if (h.type != TarType::directory)
                return Error(fmt::format("archive member \"{}\" has an empty name", h.name));
            return skip_data(h.size);
        }
        if (h.type == TarType::other)
            return Error(fmt::format("archive member {} is a special file (type '{}'): refused",
                                     *rel, h.typeflag));
        auto parent = open_parent(root_, *rel, true);
        if (!parent) return std::move(parent).error();
        auto& [dir, leaf] = *parent;
        switch (h.type) {
            case TarType::directory:
                return make_directory(h, *rel, dir.get(), leaf);
            case TarType::symlink:
                return make_symlink(h, *rel, dir.get(), leaf);
            case TarType::hardlink:
                return make_hardlink(h, *rel, dir.get(), leaf);
            default:
                return write_file(h, *rel, dir.get(), leaf);
        }
    }

    Status make_directory(const TarHeader& h, const std::string& rel, int dir,
                          const std::string& leaf) {
        if (::mkdirat(dir, leaf.c_str(), safe_mode(h.mode, true)) == -1) {
            struct stat st {};
            if (errno != EEXIST || ::fstatat(dir, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == -1 ||
                !S_ISDIR(st.st_mode))
                return Error(fmt::format("archive member {}: cannot create directory", rel));
        }
        ++stats_.dirs;
        return skip_data(h.size);
    }

    // Created as it is, never followed while unpacking (open_parent refuses to walk it).
    Status make_symlink(const TarHeader& h, const std::string& rel, int dir,
                        const std::string& leaf) {
        ::unlinkat(dir, leaf.c_str(), 0);
        if (::symlinkat(h.linkname.c_str(), dir, leaf.c_str()) == -1)
            return sys_error("archive member {}: symlink", rel);
        ++stats_.links;
        return skip_data(h.size);
    }

    // The target is an earlier member, resolved with the same rules.
    Status make_hardlink(const TarHeader& h, const std::string& rel, int dir,
                         const std::string& leaf) {
        auto target = safe_member_path(h.linkname);
        if (!target) return std::move(target).error();
        auto src = open_parent(root_, *target, false);
        if (!src) return std::move(src).error();
        ::unlinkat(dir, leaf.c_str(), 0);
        if (::linkat(src->first.get(), src->second.c_str(), dir, leaf.c_str(), 0) == -1)
            return sys_error("archive member {}: hard link to {}", rel, *target);
        ++stats_.links;
        return skip_data(h.size);
    }

    Status write_file(const TarHeader& h, const std::string& rel, int dir,
                      const std::string& leaf) {
        stats_.bytes += h.size;
        if (stats_.bytes > limits_.max_bytes)
            return Error(
                fmt::format("archive unpacks to more than {} bytes: refused", limits_.max_bytes));
        ::unlinkat(dir, leaf.c_str(), 0);  // a later member of the same name wins
        unique_fd out{::openat(dir, leaf.c_str(),
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                               safe_mode(h.mode, false))};
        if (!out) return sys_error("archive member {}: create", rel);
        for (std::uint64_t left = h.size; left > 0;) {
            auto n = std::min<std::uint64_t>(left, buf_.size());
            auto r = in_.read(buf_.data(), n);
            if (!r) return std::move(r).error();
            if (!*r) return Error(fmt::format("archive ends in the middle of {}", rel));
            if (write_all(out.get(), std::string_view(buf_.data(), n)))
                return sys_error("archive member {}: write", rel);
            left -= n;
        }
        ::fchmod(out.get(), safe_mode(h.mode, false));
        if (auto pad = padded(h.size) - h.size; pad > 0) {
            auto r = in_.read(buf_.data(), pad);
            if (!r) return std::move(r).error();
        }
        ++stats_.files;
        return {};
    }

    Status skip_data(std::uint64_t size) {
        for (std::uint64_t left = padded(size); left > 0;) {
            auto n = std::min<std::uint64_t>(left, buf_.size());
            auto r = in_.read(buf_.data(), n);
            if (!r) return std::move(r).error();
            if (!*r) return Error("archive ends in the middle of a member");
            left -= n;
        }
        return {};
    }

    GzReader& in_;
    int root_;
    const UnpackLimits& limits_;
    UnpackStats stats_;
    std::uint64_t entries_ = 0;
    bool saw_end_ = false;
    std::string block_ = std::string(kTarBlock, '\0');
    std::vector<char> buf_ = std::vector<char>(1 << 20);
};

}  // namespace

Result<UnpackStats> unpack_archive(const fs::path& archive, const fs::path& dest,
                                   const UnpackLimits& limits) {
    unique_fd root{::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!root) return sys_error("open {}", dest.string());
    gzFile gz = gzopen(archive.c_str(), "rb");
    if (!gz) return sys_error("open archive {}", archive.string());
    GzReader in(gz);
    gzbuffer(gz, 256 * 1024);
    return Unpacker(in, root.get(), limits).run();
}

}  // namespace paasrun::deploy
