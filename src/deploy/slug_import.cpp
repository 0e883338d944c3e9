#include "deploy/slug_import.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cctype>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "deploy/slug_file.hpp"
#include "util/durable_fs.hpp"
#include "util/read_file.hpp"

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
    if (n == 1 && fs::is_directory(fs::symlink_status(only, ec)) &&
        !fs::exists(dir / "Procfile", ec))
        return only;
    return dir;
}

// The first absolute path ending in "/.venv" in `text` (a token delimited by quotes, blanks
// or '='), without the "/.venv".
static std::string venv_parent_in(std::string_view text) {
    for (auto at = text.find("/.venv"); at != std::string_view::npos;
         at = text.find("/.venv", at + 1)) {
        auto end = at + 6;
        if (end < text.size() && text[end] != '"' && text[end] != '\'' && text[end] != '\n' &&
            text[end] != '/' && text[end] != ' ')
            continue;
        auto begin = at;
        while (begin > 0 && text[begin - 1] != '"' && text[begin - 1] != '\'' &&
               text[begin - 1] != ' ' && text[begin - 1] != '=' && text[begin - 1] != '\n')
            --begin;
        if (text[begin] == '/') return std::string(text.substr(begin, at - begin));
    }
    return {};
}

std::string built_app_dir(const fs::path& app_dir) {
    // Read without following any symlink (slug_file.hpp): the archive is not trusted.
    auto app = open_slug_app(app_dir);
    if (!app) return {};
    // Scripts with a shebang first; a venv made without pip has none, then the activate
    // script, pyvenv.cfg (`command = ... -m venv <dir>`) and .profile.d name it.
    for (const auto& p : {fs::path(".venv/bin/activate"), fs::path(".venv/pyvenv.cfg"),
                          fs::path(".profile.d/python.sh")})
        if (auto f = read_slug_text(app->get(), p))
            if (auto dir = venv_parent_in(f->text); !dir.empty()) return dir;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(app_dir / ".venv" / "bin", ec)) {
        auto f = read_slug_text(app->get(), fs::path(".venv/bin") / e.path().filename());
        if (!f) continue;
        auto line = f->text.substr(0, f->text.find('\n'));
        const std::string marker = "/.venv/bin/python";
        auto at = line.find(marker);
        if (line.rfind("#!", 0) != 0 || at == std::string::npos) continue;
        return line.substr(2, at - 2);
    }
    return {};
}

namespace {

// A character that continues a file name: "/old/app" followed or preceded by one is part of
// another path ("/old/app2", "/x/old/app"), not the app dir.
bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("._-+~@%").find(c) != std::string_view::npos;
}

// `text` with every occurrence of `from` that is a whole path (or a path prefix) replaced by
// `to`; nullopt when there is none.
std::optional<std::string> replace_path(const std::string& text, const std::string& from,
                                        const std::string& to) {
    std::string out;
    std::size_t pos = 0;
    bool any = false;
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) {
        auto after = at + from.size();
        if ((at > 0 && name_char(text[at - 1])) || (after < text.size() && name_char(text[after])))
            continue;
        if (at < pos) continue;  // inside the previous replacement's source
        out.append(text, pos, at - pos);
        out += to;
        pos = after;
        any = true;
    }
    if (!any) return std::nullopt;
    out.append(text, pos);
    return out;
}

// A path as pip writes it in a file: URL (urllib.parse.quote with "/" safe).
std::string url_path(std::string_view path) {
    std::string out;
    for (char c : path) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || std::string_view("_.-~/").find(c) != std::string_view::npos)
            out += c;
        else
            out += fmt::format("%{:02X}", u);
    }
    return out;
}

bool real_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(fs::symlink_status(p, ec));
}

// The files of a venv's site-packages in which pip's editable installs keep absolute paths:
// *.pth (`__editable__.pkg-1.0.pth` listing a source dir, legacy easy-install.pth),
// *.egg-link, setuptools' `__editable___pkg_1_0_finder.py` (its MAPPING of absolute paths),
// and *.dist-info/direct_url.json (`"url": "file:///old/app"`). Nothing else there is
// touched: package data that happens to contain the old path is the package's business.
std::vector<fs::path> editable_install_files(const fs::path& venv) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& lib : fs::directory_iterator(venv / "lib", ec)) {
        auto site = lib.path() / "site-packages";
        if (lib.path().filename().string().rfind("python", 0) != 0 || !real_dir(lib.path()) ||
            !real_dir(site))
            continue;
        for (const auto& e : fs::directory_iterator(site, ec)) {
            auto name = e.path().filename().string();
            auto ext = e.path().extension().string();
            bool finder = name.rfind("__editable__", 0) == 0 && name.size() > 10 &&
                          name.compare(name.size() - 10, 10, "_finder.py") == 0;
            if (ext == ".pth" || ext == ".egg-link" || finder)
                out.push_back(e.path());
            else if (ext == ".dist-info" && real_dir(e.path()))
                out.push_back(e.path() / "direct_url.json");
        }
    }
    return out;
}

}  // namespace

Result<int> relocate_app_paths(const fs::path& app_dir, const std::string& from,
                               const std::string& to) {
    if (from.empty() || from == to) return 0;
    int changed = 0;
    auto app = open_slug_app(app_dir);
    if (!app) return std::move(app).error();
    // Each (from, to) pair in turn; a file is written once, atomically, with its mode kept.
    // Files are opened relative to the app dir with no symlink followed (slug_file.hpp):
    // listing a symlinked dir below may name files outside the slug, opening them fails.
    auto fix = [&](const fs::path& p,
                   const std::vector<std::pair<std::string, std::string>>& pairs) -> Status {
        auto f = read_slug_text(app->get(), p.lexically_relative(app_dir));
        if (!f) return {};
        std::string text = f->text;
        bool any = false;
        for (const auto& [a, b] : pairs)
            if (auto out = replace_path(text, a, b)) {
                text = std::move(*out);
                any = true;
            }
        if (!any) return {};
        if (auto s = rewrite_slug_text(*f, text); !s) return s;
        if (p.extension() == ".py") remove_compiled(*f);
        ++changed;
        return {};
    };
    const std::vector<std::pair<std::string, std::string>> plain{{from, to}};
    std::error_code ec;
    for (const auto& dir : {app_dir / ".venv" / "bin", app_dir / ".profile.d"})
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (auto s = fix(e.path(), plain); !s) return std::move(s).error();
    if (auto s = fix(app_dir / ".venv" / "pyvenv.cfg", plain); !s) return std::move(s).error();
    // direct_url.json holds a file: URL, percent-encoded where the path needs it.
    auto with_url = plain;
    if (url_path(from) != from || url_path(to) != to)
        with_url.insert(with_url.begin(), {url_path(from), url_path(to)});
    for (const auto& p : editable_install_files(app_dir / ".venv"))
        if (auto s = fix(p, p.filename() == "direct_url.json" ? with_url : plain); !s)
            return std::move(s).error();
    return changed;
}

Result<release::SlugMeta> import_slug(const release::ReleaseStore& store, const fs::path& dir) {
    auto text = read_file(dir / "slug.json");
    if (!text) return std::move(text).error();
    auto meta = release::parse_slug_meta_json(*text, "slug.json (in the archive)");
    if (!meta) return std::move(meta).error();
    auto id = store.new_slug_dir();
    if (!id) return std::move(id).error();
    auto slug_dir = store.slug_dir(*id);
    std::error_code ec;
    fs::rename(dir / "app", slug_dir / "app", ec);
    if (ec)
        return Error(
            fmt::format("import slug: move app/ into {}: {}", slug_dir.string(), ec.message()));
    if (fs::exists(dir / "packages.txt", ec))
        fs::rename(dir / "packages.txt", slug_dir / "packages.txt", ec);
    auto app = store.slug_app_dir(*id);
    // The slug's own virtualenv and start-up scripts are written and run from inside it;
    // a symlink there would point the relocation (and every process) at another tree.
    for (const char* d : {".venv", ".profile.d"})
        if (fs::is_symlink(fs::symlink_status(app / d, ec)))
            return Error(fmt::format(
                "the slug archive's app/{} is a symlink (to {}): a slug's {} must be a directory "
                "inside it; nothing was imported",
                d, fs::read_symlink(app / d, ec).string(), d));
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
