#include "build/builder.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>

#include "build/buildpacks.hpp"
#include "build/runner.hpp"
#include "build/slug_checks.hpp"
#include "build/source_tree.hpp"
#include "release/child_process.hpp"
#include "static_files/compress.hpp"
#include "util/durable_fs.hpp"
#include "util/read_file.hpp"
#include "util/test_hooks.hpp"

namespace paasrun::build {

namespace {

using Clock = std::chrono::steady_clock;
using release::ReleaseStore;

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

bool disk_nearly_full(const fs::path& dir) {
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) == -1) return false;
    return static_cast<unsigned long long>(st.f_bavail) * st.f_frsize < 1024ULL * 1024;
}

Status write_env_dir(const fs::path& env_dir, const release::ConfigVars& vars) {
    std::error_code ec;
    fs::create_directories(env_dir, ec);
    if (ec)
        return Error(fmt::format("create {}: {}", env_dir.string(), ec.message()), {}, ec.value());
    fs::permissions(env_dir, fs::perms::owner_all, ec);
    for (const auto& [k, v] : vars)
        if (auto s = paasrun::write_file_atomic(env_dir / k, v, 0600); !s) return s;
    return {};
}

// "version = 3.11.2" (or version_info in newer Pythons) from pyvenv.cfg.
std::string venv_python_version(const fs::path& venv) {
    auto text = read_file(venv / "pyvenv.cfg");
    if (!text) return {};
    std::string_view t = *text;
    for (std::string_view key : {"version_info", "version"}) {
        for (std::size_t pos = 0; (pos = t.find(key, pos)) != std::string_view::npos;
             pos += key.size()) {
            if (pos > 0 && t[pos - 1] != '\n') continue;
            auto line = t.substr(pos + key.size(), t.find('\n', pos) - pos - key.size());
            auto eq = line.find('=');
            if (eq == std::string_view::npos ||
                line.substr(0, eq).find_first_not_of(' ') != std::string_view::npos)
                continue;
            auto v = line.substr(eq + 1);
            while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
            return std::string(v);
        }
    }
    return {};
}

// packages.txt: name==version of every distribution the venv's interpreter can import
// (with system_site_packages, Debian's packages are listed too: they are what runs).
Status write_packages_txt(const fs::path& slug_dir, const fs::path& app) {
    auto python = app / ".venv/bin/python";
    std::string listing;
    if (fs::exists(python)) {
        release::ChildSpec spec;
        spec.argv = {python.string(), "-I", "-c",
                     "import importlib.metadata as m\n"
                     "names = {}\n"
                     "for d in m.distributions():\n"
                     "    n = d.metadata['Name']\n"
                     "    if n and n.lower() not in names: names[n.lower()] = f'{n}=={d.version}'\n"
                     "print('\\n'.join(sorted(names.values(), key=str.lower)))\n"};
        spec.env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
        spec.cwd = app.string();
        spec.capture_stdout = true;
        spec.timeout = std::chrono::seconds(60);
        auto r = run_child(spec);
        if (!r) return std::move(r).error();
        if (!r->success())
            return Error(fmt::format("listing installed packages: {}", r->describe()));
        listing = r->out;
    }
    return paasrun::write_file_atomic(slug_dir / "packages.txt", listing);
}

Error build_failure(Error e, bool disk_full, const fs::path& state_dir) {
    if (disk_full || e.sys_errno == ENOSPC || e.sys_errno == EDQUOT) {
        e.sys_errno = ENOSPC;
        return paasrun::explain_disk_error(std::move(e), state_dir);
    }
    return e;
}

}  // namespace

namespace {

// The manifest's static dirs get precompressed siblings, as `paasrun compress DIR` writes
// them (after the buildpacks, so collected/generated assets are included). Never fatal: a
// missing dir or a file that cannot be compressed is reported and served uncompressed.
void compress_static_dirs(const fs::path& build_dir, const std::vector<std::string>& dirs,
                          const std::function<void(std::string_view)>& say) {
    std::error_code ec;
    auto root = fs::canonical(build_dir, ec);
    if (ec) return;
    for (const auto& d : dirs) {
        auto dir = fs::weakly_canonical(build_dir / d, ec);
        auto [end, _] = std::mismatch(root.begin(), root.end(), dir.begin(), dir.end());
        if (ec || end != root.end()) {  // a symlink leading out of the slug: never write there
            say(fmt::format("-----> Static dir {} is outside the app, not compressed", d));
            continue;
        }
        if (!fs::is_directory(dir, ec)) {
            say(fmt::format("-----> Static dir {} does not exist, nothing to compress", d));
            continue;
        }
        auto t = Clock::now();
        auto report = static_files::compress_tree(dir.string(), {});
        if (!report) {
            say(fmt::format("-----> Static dir {} not compressed: {}", d,
                            report.error().describe()));
            continue;
        }
        for (const auto& e : report->errors) say(fmt::format("       {}", e.describe()));
        say(
            fmt::format("-----> Compressed static files in {}: files={} written={} up_to_date={} "
                        "not_worth_it={} errors={} in {:.1f}s",
                        d, report->files, report->written, report->up_to_date, report->not_worth_it,
                        report->errors.size(), since(t)));
    }
}

}  // namespace

Result<SlugBuild> build_slug(const ReleaseStore& store, const fs::path& app_dir_in,
                             const BuildOptions& opts) {
    auto started = Clock::now();
    auto say = [&](std::string_view line) {
        if (opts.on_output) opts.on_output(line);
    };
    auto app_dir = fs::absolute(app_dir_in).lexically_normal();
    if (!app_dir.has_filename()) app_dir = app_dir.parent_path();  // "/x/app/" -> "/x/app"
    if (!fs::is_directory(app_dir))
        return Error(fmt::format("{} is not a directory", app_dir.string()));

    // 1. What to build.
    std::vector<fs::path> skip{store.root()};
    skip.insert(skip.end(), opts.exclude.begin(), opts.exclude.end());
    auto entries = list_source(app_dir, skip);
    if (!entries) return std::move(entries).error();
    auto hash = source_hash(app_dir, *entries);
    if (!hash) return std::move(hash).error();
    say(fmt::format("-----> Building {} (source {})", app_dir.string(), hash->substr(0, 12)));

    auto explicit_list = explicit_buildpacks(opts.buildpacks, app_dir);
    if (!explicit_list) return std::move(explicit_list).error();
    std::vector<Buildpack> candidates;
    if (explicit_list->empty()) {
        auto bundled = bundled_buildpacks();
        if (!bundled) return std::move(bundled).error();
        candidates = std::move(*bundled);
    }

    // 2. Where: the slug's final path, plus a scratch dir for ENV_DIR and buildpack copies.
    auto id = store.new_slug_dir();
    if (!id) return std::move(id).error();
    auto slug_dir = store.slug_dir(*id);
    auto build_dir = store.slug_app_dir(*id);
    auto work = store.tmp_dir() / ("build-" + *id);
    bool disk_full = false;
    auto fail = [&](Error e) -> Result<SlugBuild> {
        disk_full = disk_full || disk_nearly_full(store.root());
        (void)paasrun::remove_tree(slug_dir);
        (void)paasrun::remove_tree(work);
        return build_failure(std::move(e), disk_full, store.root());
    };

    auto t = Clock::now();
    if (auto s = copy_source(app_dir, *entries, build_dir); !s) return fail(std::move(s).error());
    say(fmt::format("-----> Copied {} source entries in {:.1f}s", entries->size(), since(t)));
    if (auto s = check_write_paths(build_dir); !s) return fail(std::move(s).error());

    release::ConfigVars config;
    if (auto cur = store.current_version(); cur && *cur > 0)
        if (auto r = store.load(*cur)) config = r->config_vars;
    if (auto s = write_env_dir(work / "env", config); !s) return fail(std::move(s).error());

    RunnerOptions ro;
    ro.build_dir = build_dir;
    ro.cache_dir = store.cache_dir();
    ro.env_dir = work / "env";
    ro.work_dir = work;
    ro.env = release::environ_entries();
    release::set_env(ro.env, "STACK", "paasrun");
    release::set_env(ro.env, "SOURCE_VERSION", *hash);
    release::set_env(ro.env, "PAASRUN_PYTHON_SYSTEM_SITE_PACKAGES",
                     opts.system_site_packages ? "1" : "0");
    ro.compile_timeout = opts.compile_timeout;
    ro.on_output = opts.on_output;
    auto ran = run_buildpacks(*explicit_list, candidates, ro);
    if (!ran) return fail(std::move(ran).error());
    disk_full = ran->disk_full;
    paasrun::test_pause_point("build:after-compile");
    if (auto s = check_static_inside(build_dir, opts.static_dirs); !s)
        return fail(std::move(s).error());
    compress_static_dirs(build_dir, opts.static_dirs, say);

    // 3. Metadata, then commit.
    release::SlugMeta meta;
    meta.id = *id;
    meta.source_hash = *hash;
    meta.created_at = release::now_rfc3339();
    for (const auto& b : ran->buildpacks) meta.buildpacks.push_back(b.info);
    meta.python_version = venv_python_version(build_dir / ".venv");
    meta.default_process_types = ran->release.default_process_types;
    meta.default_config_vars = ran->release.config_vars;
    meta.paasrun_version = opts.paasrun_version;
    if (auto s = write_packages_txt(slug_dir, build_dir); !s) return fail(std::move(s).error());
    (void)paasrun::remove_tree(work);
    meta.build_seconds = since(started);
    if (auto s = store.commit_slug(meta); !s) return fail(std::move(s).error());
    say(fmt::format("-----> Slug {} ready in {:.1f}s", *id, meta.build_seconds));
    return SlugBuild{std::move(meta), stat_fingerprint(*entries)};
}

Status write_slug_archive(const ReleaseStore& store, const std::string& slug_id,
                          const fs::path& out_in) {
    auto out = fs::absolute(out_in);
    auto slug_dir = store.slug_dir(slug_id);
    auto tmp = out;
    tmp += ".tmp-" + paasrun::random_suffix();
    release::ChildSpec spec;
    spec.argv = {"/bin/tar",   "-C",  slug_dir.string(), "-czf",
                 tmp.string(), "app", "slug.json",       "packages.txt"};
    spec.env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
    spec.timeout = std::chrono::minutes(10);
    std::string errors;
    spec.on_line = [&](std::string_view l) { errors += fmt::format("\n    {}", l); };
    auto r = run_child(spec);
    if (!r || !r->success()) {
        ::unlink(tmp.c_str());
        if (!r) return std::move(r).error();
        return Error(fmt::format("tar of slug {} into {} {}{}", slug_id, out.string(),
                                 r->describe(), errors));
    }
    if (auto s = paasrun::fsync_path(tmp); !s) return s;
    if (::rename(tmp.c_str(), out.c_str()) == -1)
        return sys_error("rename {} to {}", tmp.string(), out.string());
    return {};
}

}  // namespace paasrun::build
