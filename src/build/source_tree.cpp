#include "build/source_tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "build/sha256.hpp"
#include "util/durable_fs.hpp"
#include "util/ignore_rules.hpp"
#include "util/read_file.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::build {

namespace {

Error fs_error(std::string_view what, const fs::path& p, const std::error_code& ec) {
    return Error(fmt::format("{} {}: {}", what, p.string(), ec.message()), {}, ec.value());
}

// Streams a file into the hash; returns false with errno set on failure.
Status hash_file(Sha256& h, const fs::path& p) {
    unique_fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return sys_error("open {}", p.string());
    std::array<char, 65536> buf;
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n == -1) {
            if (errno == EINTR) continue;
            return sys_error("read {}", p.string());
        }
        if (n == 0) return {};
        h.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
}

bool is_exec(fs::perms p) {
    return (p & fs::perms::owner_exec) != fs::perms::none;
}

}  // namespace

bool is_excluded_name(std::string_view name, bool top_level) {
    if (name == ".git" || name == ".hg" || name == ".svn" || name == "__pycache__") return true;
    return top_level && (name == ".paasrun" || name == ".venv" || name == ".env");
}

Result<std::vector<SourceEntry>> list_source(const fs::path& app_dir,
                                             const std::vector<fs::path>& also_exclude,
                                             SourceUse use) {
    std::vector<SourceEntry> out;
    std::error_code ec;
    IgnoreRules ignore;
    auto ignore_file = app_dir / (use == SourceUse::slug ? ".slugignore" : ".gitignore");
    if (fs::is_regular_file(ignore_file, ec)) {
        auto text = read_file(ignore_file);
        if (!text) return std::move(text).error();
        ignore = IgnoreRules(*text);
    }
    auto it = fs::recursive_directory_iterator(app_dir, fs::directory_options::none, ec);
    if (ec) return fs_error("read directory", app_dir, ec);
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) return fs_error("read directory", it->path(), ec);
        const auto& p = it->path();
        auto name = p.filename().string();
        bool excluded =
            is_excluded_name(name, it.depth() == 0) ||
            std::find(also_exclude.begin(), also_exclude.end(), p) != also_exclude.end();
        auto st = it->symlink_status(ec);
        if (ec) return fs_error("stat", p, ec);
        if (!excluded && !ignore.empty())
            excluded = ignore.excluded(p.lexically_relative(app_dir).generic_string(),
                                       fs::is_directory(st));
        if (excluded) {
            if (fs::is_directory(st)) it.disable_recursion_pending();
            continue;
        }
        if (!fs::is_regular_file(st) && !fs::is_directory(st) && !fs::is_symlink(st)) continue;
        struct stat sb {};
        if (::lstat(p.c_str(), &sb) == -1) return sys_error("lstat {}", p.string());
        SourceEntry e;
        e.rel = p.lexically_relative(app_dir);
        e.type = st.type();
        e.perms = st.permissions();
        e.size = fs::is_regular_file(st) ? static_cast<std::uintmax_t>(sb.st_size) : 0;
        e.mtime_ns =
            static_cast<long long>(sb.st_mtim.tv_sec) * 1'000'000'000LL + sb.st_mtim.tv_nsec;
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.rel.native() < b.rel.native(); });
    return out;
}

Result<std::string> source_hash(const fs::path& app_dir, const std::vector<SourceEntry>& entries) {
    Sha256 h;
    for (const auto& e : entries) {
        // Type tag, path and exec bit, NUL-separated: no two different trees feed the same bytes.
        char tag = e.type == fs::file_type::directory ? 'd'
                   : e.type == fs::file_type::symlink ? 'l'
                                                      : 'f';
        h.update(std::string_view(&tag, 1));
        h.update(e.rel.native());
        h.update(std::string_view("\0", 1));
        if (e.type == fs::file_type::regular) {
            h.update(is_exec(e.perms) ? "x" : "-");
            auto content = Sha256();
            if (auto s = hash_file(content, app_dir / e.rel); !s) return std::move(s).error();
            h.update(content.hex_digest());
        } else if (e.type == fs::file_type::symlink) {
            std::error_code ec;
            auto target = fs::read_symlink(app_dir / e.rel, ec);
            if (ec) return fs_error("readlink", app_dir / e.rel, ec);
            h.update(target.native());
        }
        h.update(std::string_view("\0", 1));
    }
    return h.hex_digest();
}

std::string stat_fingerprint(const std::vector<SourceEntry>& entries) {
    Sha256 h;
    for (const auto& e : entries)
        h.update(fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\n", e.rel.native(),
                             static_cast<int>(e.type), static_cast<unsigned>(e.perms), e.size,
                             e.mtime_ns));
    return h.hex_digest();
}

Status copy_source(const fs::path& app_dir, const std::vector<SourceEntry>& entries,
                   const fs::path& dest) {
    std::error_code ec;
    for (const auto& e : entries) {
        auto from = app_dir / e.rel;
        auto to = dest / e.rel;
        switch (e.type) {
            case fs::file_type::directory:
                fs::create_directory(to, ec);
                if (!ec) fs::permissions(to, e.perms, ec);
                break;
            case fs::file_type::symlink:
                fs::copy_symlink(from, to, ec);
                break;
            default:
                fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
                break;
        }
        if (ec)
            return Error(fmt::format("copy {} into the build: {}", e.rel.string(), ec.message()),
                         {}, ec.value());
    }
    return {};
}

}  // namespace paasrun::build
