#include "deploy/tar_header.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace paasrun::deploy {
namespace {

std::string_view field(std::string_view block, std::size_t off, std::size_t len) {
    auto f = block.substr(off, len);
    auto nul = f.find('\0');
    return nul == std::string_view::npos ? f : f.substr(0, nul);
}

// Octal (space/NUL padded) or GNU base-256 (high bit of the first byte set).
Result<std::uint64_t> number(std::string_view block, std::size_t off, std::size_t len,
                             const char* what) {
    auto f = block.substr(off, len);
    if (!f.empty() && (static_cast<unsigned char>(f[0]) & 0x80)) {
        std::uint64_t v = static_cast<unsigned char>(f[0]) & 0x7f;
        for (std::size_t i = 1; i < f.size(); ++i) {
            if (v >> 55) return Error(fmt::format("tar header: {} is too large", what));
            v = (v << 8) | static_cast<unsigned char>(f[i]);
        }
        return v;
    }
    std::size_t i = 0;
    while (i < f.size() && (f[i] == ' ' || f[i] == '\0')) ++i;
    std::size_t j = i;
    while (j < f.size() && f[j] >= '0' && f[j] <= '7') ++j;
    for (std::size_t k = j; k < f.size(); ++k)
        if (f[k] != ' ' && f[k] != '\0')
            return Error(fmt::format("tar header: {} is not an octal number", what));
    std::uint64_t v = 0;
    for (std::size_t k = i; k < j; ++k) {
        if (v >> 60) return Error(fmt::format("tar header: {} is too large", what));
        v = v * 8 + static_cast<std::uint64_t>(f[k] - '0');
    }
    return v;
}

}  // namespace

bool is_zero_block(std::string_view block) {
    return std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; });
}

Result<TarHeader> parse_tar_header(std::string_view block) {
    if (block.size() != kTarBlock) return Error("tar: truncated header");
    auto sum = number(block, 148, 8, "checksum");
    if (!sum) return std::move(sum).error();
    std::uint64_t computed = 0;
    for (std::size_t i = 0; i < kTarBlock; ++i)
        computed += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(block[i]);
    if (computed != *sum)
        return Error("tar: header checksum mismatch (not a tar archive, or a corrupt one)");

    TarHeader h;
    h.name = std::string(field(block, 0, 100));
    h.linkname = std::string(field(block, 157, 100));
    if (field(block, 257, 5) == "ustar") {
        auto prefix = field(block, 345, 155);
        if (!prefix.empty()) h.name = std::string(prefix) + "/" + h.name;
    }
    auto size = number(block, 124, 12, "size");
    if (!size) return std::move(size).error();
    h.size = *size;
    auto mode = number(block, 100, 8, "mode");
    if (!mode) return std::move(mode).error();
    h.mode = static_cast<std::uint32_t>(*mode & 07777);
    h.typeflag = block[156];
    switch (h.typeflag) {
        case '0':
        case '\0':
        case '7':
            h.type = TarType::file;
            break;
        case '1':
            h.type = TarType::hardlink;
            break;
        case '2':
            h.type = TarType::symlink;
            break;
        case '5':
            h.type = TarType::directory;
            break;
        case 'L':
            h.type = TarType::gnu_longname;
            break;
        case 'K':
            h.type = TarType::gnu_longlink;
            break;
        case 'x':
            h.type = TarType::pax;
            break;
        case 'g':
            h.type = TarType::pax_global;
            break;
        default:
            h.type = TarType::other;
            break;
    }
    return h;
}

Status apply_pax(std::string_view body, TarHeader& h) {
    while (!body.empty()) {
        std::size_t len = 0;
        auto sp = body.find(' ');
        if (sp == std::string_view::npos) return Error("tar: malformed pax header");
        auto [p, ec] = std::from_chars(body.data(), body.data() + sp, len);
        if (ec != std::errc{} || p != body.data() + sp || len <= sp + 1 || len > body.size())
            return Error("tar: malformed pax record length");
        auto record = body.substr(sp + 1, len - sp - 1);
        body.remove_prefix(len);
        if (record.empty() || record.back() != '\n') return Error("tar: malformed pax record");
        record.remove_suffix(1);
        auto eq = record.find('=');
        if (eq == std::string_view::npos) return Error("tar: malformed pax record");
        auto key = record.substr(0, eq);
        auto value = record.substr(eq + 1);
        if (key == "path")
            h.name = std::string(value);
        else if (key == "linkpath")
            h.linkname = std::string(value);
        else if (key == "size") {
            std::uint64_t v = 0;
            auto [q, e2] = std::from_chars(value.data(), value.data() + value.size(), v);
            if (e2 != std::errc{} || q != value.data() + value.size())
                return Error("tar: malformed pax size");
            h.size = v;
        }
    }
    return {};
}

Result<std::string> safe_member_path(std::string_view name) {
    if (name.find('\0') != std::string_view::npos)
        return Error("archive member name contains a NUL byte");
    if (!name.empty() && name.front() == '/')
        return Error(fmt::format("archive member {} is an absolute path", name));
    std::string out;
    std::string_view rest = name;
    while (!rest.empty()) {
        auto slash = rest.find('/');
        auto comp = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (comp.empty() || comp == ".") continue;
        if (comp == "..")
            return Error(fmt::format("archive member {} leaves the archive (`..`)", name));
        if (!out.empty()) out += '/';
        out += comp;
    }
    return out;  // "" is the root itself ("./")
}

}  // namespace paasrun::deploy
