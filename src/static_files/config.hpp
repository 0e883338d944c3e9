// How a StaticFiles instance is configured (docs/static.md, "Configuration").
//
// The worker fills it from `--static PREFIX=DIR` options and the manifest's `static:` section
// (config::StaticSettings has the same fields; this module does not depend on src/config).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "static_files/safe_open.hpp"

namespace paasrun::static_files {

struct Mount {
    std::string prefix;  // URL prefix: "/static" and "/static/" mean the same; must start with '/'
    std::string dir;     // directory (relative to the current directory when not absolute)
};

struct StaticConfig {
    std::vector<Mount> mounts;  // longest prefix wins; a mount at "/" is treated like `root`
    std::string root;           // directory served at "/" (robots.txt, favicon.ico); "" = none.
                                // A miss under it always falls through to the app.
    bool fallthrough = true;    // a miss under a mount goes to the app (false: 404 / 405)
    int max_age = 60;           // s; Cache-Control "public, max-age=N" for non-hashed names
    std::vector<std::string> immutable_prefixes;  // URL prefixes served as immutable for a year
    bool cors = false;            // Access-Control-Allow-Origin: * on every static response
    bool serve_dotfiles = false;  // serve names starting with '.' ("." and ".." never)
    bool precompressed = true;    // look for .br / .gz siblings

    Resolver resolver = Resolver::automatic;  // how paths are opened (safe_open.hpp)

    // The stat/ETag cache (docs/static.md, "Cache").
    std::int64_t revalidate_ms = 1000;         // a cached lookup is re-checked on disk after this
    std::size_t cache_entries = 4096;          // lookups remembered (hits, misses, directories)
    std::size_t memory_file_max = 32 * 1024;   // files up to this size are kept in memory
    std::size_t memory_total_max = 32u << 20;  // in-memory bodies in all, per instance
};

}  // namespace paasrun::static_files
