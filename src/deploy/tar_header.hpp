// Parsing tar headers (POSIX ustar, GNU long names, pax `path`/`linkpath`/`size`), pure, so
// the unpacker's safety rules can be unit-tested with hand-made blocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace paasrun::deploy {

inline constexpr std::size_t kTarBlock = 512;

enum class TarType {
    file,
    hardlink,
    symlink,
    directory,
    gnu_longname,
    gnu_longlink,
    pax,
    pax_global,
    other
};

struct TarHeader {
    std::string name;  // prefix + "/" + name for ustar
    std::string linkname;
    TarType type = TarType::file;
    char typeflag = '0';
    std::uint64_t size = 0;
    std::uint32_t mode = 0644;
};

/// True when the block is all zeros (two of them end an archive).
[[nodiscard]] bool is_zero_block(std::string_view block);

/// Parses one 512-byte header block; checks the checksum. Pure.
[[nodiscard]] Result<TarHeader> parse_tar_header(std::string_view block);

/// Applies the records of a pax extended header body ("LEN key=value\n"...) to `h`
/// (path, linkpath, size); unknown keys are ignored. Pure.
[[nodiscard]] Status apply_pax(std::string_view body, TarHeader& h);

/// A member name made safe to join to the extraction root: "./" prefixes and repeated
/// slashes removed, a trailing slash dropped; "" for the root itself ("./"). Fails for an
/// absolute path, a `..` component or a NUL byte. Pure.
[[nodiscard]] Result<std::string> safe_member_path(std::string_view name);

}  // namespace paasrun::deploy
