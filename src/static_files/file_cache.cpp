#include "static_files/file_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "http/response_writer.hpp"
#include "static_files/conditional.hpp"
#include "static_files/media_types.hpp"

namespace paasrun::static_files {
namespace {

constexpr std::string_view kIndex = "index.html";

struct Opened {
    unique_fd fd;
    struct stat st {};
    bool regular = false;
    bool directory = false;
};

Opened open_and_stat(int root_fd, Resolver mode, std::string_view rel) {
    Opened o;
    if (open_beneath(root_fd, rel, mode, o.fd) != 0) return o;
    if (::fstat(o.fd.get(), &o.st) != 0) {
        o.fd.reset();
        return o;
    }
    o.regular = S_ISREG(o.st.st_mode);
    o.directory = S_ISDIR(o.st.st_mode);
    if (!o.regular && !o.directory) o.fd.reset();  // FIFOs, sockets, devices: never served
    return o;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Reads exactly `size` bytes from the start of `fd`; false if the file is shorter now.
bool read_all(int fd, std::uint64_t size, std::string& out) {
    out.resize(size);
    std::uint64_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::uint64_t>(n);
    }
    return true;
}

}  // namespace

FileIdentity FileIdentity::of(const struct stat& st) noexcept {
    FileIdentity id;
    id.dev = static_cast<std::uint64_t>(st.st_dev);
    id.ino = static_cast<std::uint64_t>(st.st_ino);
    id.size = static_cast<std::uint64_t>(st.st_size);
    id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return id;
}

std::shared_ptr<Entry> FileCache::build(int root_fd, Resolver mode, std::string_view rel,
                                        std::int64_t now_ms, const Entry* old) {
    auto entry = std::make_shared<Entry>();
    entry->checked_ms = now_ms;
    Opened main = open_and_stat(root_fd, mode, rel);

    if (main.directory) {
        std::string index(rel);
        index += '/';
        index += kIndex;
        entry->kind = Entry::Kind::directory;
        entry->has_index = open_and_stat(root_fd, mode, index).regular;
        if (old && old->kind == Entry::Kind::directory && old->has_index == entry->has_index)
            return nullptr;
        return entry;
    }
    if (!main.regular) {
        if (old && old->kind == Entry::Kind::missing) return nullptr;
        return entry;  // missing
    }

    // A regular file, and maybe its precompressed siblings. A name that is itself a .gz/.br
    // file is served as what it is (application/gzip), never negotiated further.
    std::array<Opened, kCodingCount> files;
    files[0] = std::move(main);
    bool is_variant_name = ends_with(rel, ".gz") || ends_with(rel, ".br");
    if (limits_.precompressed && !is_variant_name) {
        std::string sibling(rel);
        for (auto c : {Coding::gzip, Coding::br}) {
            sibling.resize(rel.size());
            sibling += coding_suffix(c);
            auto o = open_and_stat(root_fd, mode, sibling);
            if (o.regular) files[static_cast<int>(c)] = std::move(o);
        }
    }

    if (old && old->kind == Entry::Kind::file) {
        bool same = true;
        for (int c = 0; c < kCodingCount && same; ++c) {
            bool present = files[c].regular;
            const auto& rep = old->reps[c];
            same = present == (rep != nullptr) &&
                   (!present || rep->id == FileIdentity::of(files[c].st));
        }
        if (same) return nullptr;
    }

    entry->kind = Entry::Kind::file;
    entry->content_type = content_type_for(rel);
    std::size_t budget =
        limits_.memory_total_max > memory_used_ ? limits_.memory_total_max - memory_used_ : 0;
    for (int c = 0; c < kCodingCount; ++c) {
        if (!files[c].regular) continue;
        auto rep = std::make_shared<Representation>();
        rep->coding = static_cast<Coding>(c);
        rep->id = FileIdentity::of(files[c].st);
        rep->mtime = static_cast<std::int64_t>(files[c].st.st_mtim.tv_sec);
        rep->etag = make_etag(rep->mtime, rep->id.size);
        rep->last_modified = http::format_http_date(rep->mtime);
        if (rep->id.size <= limits_.memory_file_max && rep->id.size <= budget &&
            read_all(files[c].fd.get(), rep->id.size, rep->memory)) {
            rep->in_memory = true;
            budget -= rep->id.size;
            entry->memory_bytes += rep->id.size;
        } else {
            rep->memory.clear();
            rep->memory.shrink_to_fit();
            rep->fd = std::move(files[c].fd);
        }
        entry->reps[c] = std::move(rep);
    }
    return entry;
}

std::shared_ptr<const Entry> FileCache::store(std::string_view key, std::shared_ptr<Entry> entry) {
    auto it = map_.find(key);
    if (it != map_.end()) {
        memory_used_ -= it->second->memory_bytes;
        memory_used_ += entry->memory_bytes;
        it->second = std::move(entry);
        return it->second;
    }
    if (map_.size() >= limits_.max_entries) {
        // Drop an eighth (at least one): cheap, bounded, and good enough for a working set
        // that fits; a working set that does not fit costs syscalls, never correctness.
        std::size_t drop = std::max<std::size_t>(1, limits_.max_entries / 8);
        while (drop-- > 0 && !map_.empty()) erase(map_.begin());
    }
    memory_used_ += entry->memory_bytes;
    auto [pos, inserted] = map_.emplace(std::string(key), std::move(entry));
    return pos->second;
}

void FileCache::erase(Map::iterator it) {
    memory_used_ -= it->second->memory_bytes;
    map_.erase(it);
}

void FileCache::invalidate(std::string_view key) {
    auto it = map_.find(key);
    if (it != map_.end()) erase(it);
}

}  // namespace paasrun::static_files
