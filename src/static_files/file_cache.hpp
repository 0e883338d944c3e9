// The stat/ETag cache: what a path under a static root is, remembered between requests.
//
// One entry per (mount, decoded relative path): a regular file with its representations
// (identity and the .br/.gz siblings found next to it), a directory (and whether it holds
// index.html), or nothing. Entries are built from the file descriptors opened by
// open_beneath(), so what is cached is exactly what a request could have opened.
//
// Freshness (docs/static.md, "Cache"):
//   - an entry older than `revalidate_ms` is re-checked on its next use: the path and its
//     siblings are opened again and compared by (dev, inode, size, mtime in ns); identical
//     entries are kept (only the timestamp moves), anything else is rebuilt. So a file
//     replaced by rename, created, or deleted is noticed within revalidate_ms;
//   - a representation served from its fd (larger files) is fstat()ed on every use: an
//     in-place edit (same inode, new size or mtime) is noticed at once (StaticFiles does it);
//   - small files (<= memory_file_max) are served from a copy in memory taken when the entry
//     was built: a body and its headers always match each other, and at most revalidate_ms
//     old. revalidate_ms = 0 re-checks on every request.
// Bounds: at most `cache_entries` entries (when full, an eighth is dropped, oldest insertion
// order not guaranteed: it is a cache, not an LRU), at most `memory_total_max` bytes of
// bodies in memory (beyond it files are served by fd). A fd-backed entry holds its fds open.
// Not thread-safe: StaticFiles serialises access.
#pragma once

#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "static_files/accept_encoding.hpp"
#include "static_files/safe_open.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::static_files {

struct FileIdentity {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileIdentity&) const = default;

    [[nodiscard]] static FileIdentity of(const struct stat& st) noexcept;
};

/// One file that can be sent: the identity file or a precompressed sibling.
struct Representation {
    Coding coding = Coding::identity;
    FileIdentity id;
    std::int64_t mtime = 0;     // seconds
    std::string etag;           // make_etag(mtime, size)
    std::string last_modified;  // IMF-fixdate of mtime
    bool in_memory = false;
    std::string memory;  // the whole content when in_memory
    unique_fd fd;        // open when !in_memory
};

struct Entry {
    enum class Kind : std::uint8_t { missing, file, directory };
    Kind kind = Kind::missing;
    std::int64_t checked_ms = 0;
    bool has_index = false;  // directory: holds a regular index.html
    // file: representations by Coding (identity always present for a file)
    std::array<std::shared_ptr<const Representation>, kCodingCount> reps{};
    std::size_t memory_bytes = 0;
    // Per-path facts, computed once.
    std::string_view content_type;
    bool immutable = false;
};

struct CacheLimits {
    std::int64_t revalidate_ms = 1000;
    std::size_t max_entries = 4096;
    std::size_t memory_file_max = 32 * 1024;
    std::size_t memory_total_max = 32u << 20;
    bool precompressed = true;
};

struct CacheStats {
    std::uint64_t hits = 0;           // served from the cache without touching the disk
    std::uint64_t builds = 0;         // entries built (first use or after a change)
    std::uint64_t revalidations = 0;  // TTL checks that found the entry unchanged
};

class FileCache {
public:
    explicit FileCache(CacheLimits limits) : limits_(limits) {}

    /// The entry for `rel` beneath `root_fd`. `key` must identify (mount, rel) uniquely.
    /// `is_immutable(rel)` decides the Cache-Control of a file entry when it is built.
    template <typename ImmutableTest>
    std::shared_ptr<const Entry> get(std::string_view key, int root_fd, Resolver mode,
                                     std::string_view rel, std::int64_t now_ms,
                                     const ImmutableTest& is_immutable) {
        auto it = map_.find(key);
        if (it != map_.end() && now_ms - it->second->checked_ms < limits_.revalidate_ms) {
            ++stats_.hits;
            return it->second;
        }
        auto fresh =
            build(root_fd, mode, rel, now_ms, it == map_.end() ? nullptr : it->second.get());
        if (!fresh) {  // unchanged on disk: keep the entry, restart its clock
            ++stats_.revalidations;
            it->second->checked_ms = now_ms;
            return it->second;
        }
        ++stats_.builds;
        if (fresh->kind == Entry::Kind::file) fresh->immutable = is_immutable(rel);
        return store(key, std::move(fresh));
    }

    /// Forgets one entry (a representation changed under an fd-backed plan).
    void invalidate(std::string_view key);

    [[nodiscard]] const CacheStats& stats() const noexcept { return stats_; }
    [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }
    [[nodiscard]] std::size_t memory_used() const noexcept { return memory_used_; }

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    using Map = std::unordered_map<std::string, std::shared_ptr<Entry>, Hash, std::equal_to<>>;

    /// A new entry for `rel`, or nullptr when `old` still describes the disk exactly.
    std::shared_ptr<Entry> build(int root_fd, Resolver mode, std::string_view rel,
                                 std::int64_t now_ms, const Entry* old);
    std::shared_ptr<const Entry> store(std::string_view key, std::shared_ptr<Entry> entry);
    void erase(Map::iterator it);

    CacheLimits limits_;
    Map map_;
    std::size_t memory_used_ = 0;
    CacheStats stats_;
};

}  // namespace paasrun::static_files
