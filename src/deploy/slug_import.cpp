#include "deploy/slug_import.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include "release/durable_fs.hpp"

namespace paasrun::deploy {

namespace fs = std::filesystem;

bool is_slug_archive(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / "slug.json", ec) && fs::is_directory(dir / "app", ec);
}

fs::path source_root(const fs::path& dir) {
    std::error_code ec;
    fs::path only;
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (++n > 1) return dir;
        only = e.path();
    }
    if (n == 1 && fs::is_directory(fs::symlink_status(only, ec)) && !fs::exists(dir / "Procfile", ec)) return only;
    return dir;
}

namespace {

std::string first_line(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::string line;
    std::getline(in, line);
    return line;
}

// Small text files only: a NUL in the first 8 KiB means binary.
std::optional<std::string> read_text(const fs::path& p) {
    std::error_code ec;
    auto st = fs::symlink_status(p, ec);
    if (ec || !fs::is_regular_file(st)) return std::nullopt;
    if (fs::file_size(p, ec) > (4u << 20)) return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto text = ss.str();
    if (text.substr(0, 8192).find('\0') != std::string::npos) return std::nullopt;
    return text;
}

}  // namespace

// The first absolute path ending in "/.venv" in `text` (a token delimited by quotes, blanks
// or '='), without the "/.venv".
static std::string venv_parent_in(std::string_view text) {
    for (auto at = text.find("/.venv"); at != std::string_view::npos; at = text.find("/.venv", at + 1)) {
        auto end = at + 6;
        if (end < text.size() && text[end] != '"' && text[end] != '\'' && text[end] != '\n' && text[end] != '/' &&
            text[end] != ' ')
            continue;
        auto begin = at;
        while (begin > 0 && text[begin - 1] != '"' && text[begin - 1] != '\'' && text[begin - 1] != ' ' &&
               text[begin - 1] != '=' && text[begin - 1] != '\n')
            --begin;
        if (text[begin] == '/') return std::string(text.substr(begin, at - begin));
    }
    return {};
}

std::string built_app_dir(const fs::path& app_dir) {
    // Scripts with a shebang first; a venv made without pip has none, then the activate
    // script, pyvenv.cfg (`command = ... -m venv <dir>`) and .profile.d name it.
    for (const auto& p : {app_dir / ".venv" / "bin" / "activate", app_dir / ".venv" / "pyvenv.cfg",
                          app_dir / ".profile.d" / "python.sh"})
        if (auto text = read_text(p))
            if (auto dir = venv_parent_in(*text); !dir.empty()) return dir;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(app_dir / ".venv" / "bin", ec)) {
        if (!fs::is_regular_file(e.symlink_status(ec))) continue;
        auto line = first_line(e.path());
        const std::string marker = "/.venv/bin/python";
        auto at = line.find(marker);
        if (line.rfind("#!", 0) != 0 || at == std::string::npos) continue;
        return line.substr(2, at - 2);
    }
    return {};
}

Result<int> relocate_app_paths(const fs::path& app_dir, const std::string& from, const std::string& to) {
    if (from.empty() || from == to) return 0;
    int changed = 0;
    auto fix = [&](const fs::path& p) -> Status {
        auto text = read_text(p);
        if (!text || text->find(from) == std::string::npos) return {};
        std::string out;
        std::size_t pos = 0;
        for (auto at = text->find(from); at != std::string::npos; at = text->find(from, pos)) {
            out.append(*text, pos, at - pos);
            out += to;
            pos = at + from.size();
        }
        out.append(*text, pos);
        struct stat st {};
        if (::stat(p.c_str(), &st) == -1) return sys_error("stat {}", p.string());
        if (auto s = release::write_file_atomic(p, out, static_cast<int>(st.st_mode & 07777)); !s) return s;
        ++changed;
        return {};
    };
    std::error_code ec;
    for (const auto& dir : {app_dir / ".venv" / "bin", app_dir / ".profile.d"})
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (auto s = fix(e.path()); !s) return std::move(s).error();
    if (auto s = fix(app_dir / ".venv" / "pyvenv.cfg"); !s) return std::move(s).error();
    return changed;
}

Result<release::SlugMeta> import_slug(const release::ReleaseStore& store, const fs::path& dir) {
    auto text = release::read_file(dir / "slug.json");
    if (!text) return std::move(text).error();
    auto meta = release::parse_slug_meta_json(*text, "slug.json (in the archive)");
    if (!meta) return std::move(meta).error();
    auto id = store.new_slug_dir();
    if (!id) return std::move(id).error();
    auto slug_dir = store.slug_dir(*id);
    std::error_code ec;
    fs::rename(dir / "app", slug_dir / "app", ec);
    if (ec) return Error(fmt::format("import slug: move app/ into {}: {}", slug_dir.string(), ec.message()));
    if (fs::exists(dir / "packages.txt", ec)) fs::rename(dir / "packages.txt", slug_dir / "packages.txt", ec);
    auto app = store.slug_app_dir(*id);
    auto old = built_app_dir(app);
    if (!old.empty() && old != app.string()) {
        auto n = relocate_app_paths(app, old, app.string());
        if (!n) return std::move(n).error();
    }
    meta->id = *id;
    if (auto s = store.commit_slug(*meta); !s) return std::move(s).error();
    return *meta;
}

}  // namespace paasrun::deploy
