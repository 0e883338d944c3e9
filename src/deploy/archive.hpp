// Unpacking a deploy archive (a .tar.gz source tree, or a slug archive from
// `paasrun build --output`) without trusting it.
//
// Safety rules (each violation stops the unpack with an error naming the member):
// - member names: no absolute paths, no `..` components (tar_header.hpp);
// - nothing is ever written through a symlink: every directory on a member's path is opened
//   with O_NOFOLLOW from the extraction root, files are created with O_NOFOLLOW. Symlinks
//   themselves are created as they are (a virtualenv's bin/python points to /usr/bin), they
//   are only never followed while unpacking;
// - hard links must name an earlier member, resolved the same way;
// - devices, FIFOs and other special files are refused;
// - limits: total unpacked bytes, member count, name length;
// - permission bits are kept without setuid/setgid/sticky; owners are not restored.
// Input may be gzip-compressed or a plain tar (zlib reads both).
#pragma once

#include <cstdint>
#include <filesystem>

#include "util/result.hpp"

namespace paasrun::deploy {

struct UnpackLimits {
    std::uint64_t max_bytes = 4ull << 30;  // unpacked file data
    std::uint64_t max_entries = 500'000;
    std::size_t max_name = 4096;
};

struct UnpackStats {
    std::uint64_t files = 0;
    std::uint64_t dirs = 0;
    std::uint64_t links = 0;
    std::uint64_t bytes = 0;
};

/// Unpacks `archive` into the existing, empty directory `dest`.
[[nodiscard]] Result<UnpackStats> unpack_archive(const std::filesystem::path& archive,
                                                 const std::filesystem::path& dest,
                                                 const UnpackLimits& limits = {});

}  // namespace paasrun::deploy
