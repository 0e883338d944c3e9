#include "build/runner.hpp"

#include <algorithm>
#include <optional>

#include "release/child_process.hpp"

namespace paasrun::build {

namespace {

using release::ChildResult;
using release::ChildSpec;

// Sources the given export files, then execs the buildpack script:
//   bash -c WRAPPER paasrun-buildpack EXPORT... -- SCRIPT ARGS...
const char* const source_exports =
    "while [ \"$1\" != -- ]; do . \"$1\" || exit 1; shift; done; shift; exec \"$@\"";

struct Session {
    const RunnerOptions& opts;
    std::vector<fs::path> exports;
    RunnerResult result;

    void say(std::string_view line) const {
        if (opts.on_output) opts.on_output(line);
    }

    ChildSpec spec_for(const fs::path& bp_copy, const char* script,
                       std::vector<std::string> args) const {
        ChildSpec s;
        s.argv = {"/bin/bash", "-c", source_exports, "paasrun-buildpack"};
        for (const auto& e : exports) s.argv.push_back(e.string());
        s.argv.push_back("--");
        s.argv.push_back((bp_copy / script).string());
        for (auto& a : args) s.argv.push_back(std::move(a));
        s.env = opts.env;
        s.cwd = opts.build_dir.string();
        return s;
    }
};

Error step_error(const Buildpack& bp, std::string_view step, const ChildResult& r) {
    return Error(fmt::format("buildpack {}: {} {}", bp.source, step, r.describe()));
}

Result<fs::path> private_copy(const Buildpack& bp, std::size_t index, const fs::path& work_dir) {
    auto dest = work_dir / fmt::format("{}-{}", index, bp.dir.filename().string());
    std::error_code ec;
    fs::remove_all(dest, ec);
    fs::copy(bp.dir, dest, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec)
        return Error(fmt::format("copy buildpack {}: {}", bp.source, ec.message()), {}, ec.value());
    return dest;
}

// bin/detect: Some(name) when it applies, nullopt when it does not.
Result<std::optional<std::string>> detect(Session& s, const Buildpack& bp, const fs::path& copy) {
    auto spec = s.spec_for(copy, "bin/detect", {s.opts.build_dir.string()});
    spec.capture_stdout = true;
    spec.timeout = s.opts.detect_timeout;
    spec.on_line = [&](std::string_view line) { s.say(fmt::format("       {}", line)); };
    auto r = run_child(spec);
    if (!r) return Error(fmt::format("buildpack {}: bin/detect: {}", bp.source, r.error().message));
    if (r->timed_out || r->term_signal) return step_error(bp, "bin/detect", *r);
    if (r->exit_code != 0) return std::optional<std::string>{};
    auto name = r->out.substr(0, r->out.find('\n'));
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
    return std::optional<std::string>{name.empty() ? bp.dir.filename().string() : name};
}

Status compile_and_release(Session& s, const Buildpack& bp, const fs::path& copy,
                           const std::string& name, std::size_t index) {
    s.say(fmt::format("-----> {} app detected (buildpack {}, version {})", name, bp.source,
                      bp.version));
    auto spec =
        s.spec_for(copy, "bin/compile",
                   {s.opts.build_dir.string(), s.opts.cache_dir.string(), s.opts.env_dir.string()});
    spec.timeout = s.opts.compile_timeout;
    release::set_env(spec.env, "BUILDPACK_INDEX", std::to_string(index));
    auto prefix = bp.dir.filename().string();
    spec.on_line = [&](std::string_view line) {
        if (line.find("No space left on device") != std::string_view::npos)
            s.result.disk_full = true;
        // Heroku's convention: buildpacks print "-----> step" lines and indent their detail
        // themselves; a line that is neither (a third-party tool's raw output) gets the
        // detail indent so the build log stays readable.
        if (line.rfind("----->", 0) == 0 || line.rfind(" !", 0) == 0 ||
            line.rfind("       ", 0) == 0)
            s.say(line);
        else
            s.say(fmt::format("       {}", line));
    };
    auto r = run_child(spec);
    if (!r)
        return Error(fmt::format("buildpack {}: bin/compile: {}", bp.source, r.error().message));
    if (!r->success()) return step_error(bp, "bin/compile", *r);
    s.result.buildpacks.push_back({{name, bp.source, bp.version}, r->seconds});
    s.say(fmt::format("-----> {} compiled in {:.1f}s", prefix, r->seconds));

    if (fs::exists(copy / "bin/release")) {
        auto rel = s.spec_for(copy, "bin/release", {s.opts.build_dir.string()});
        rel.capture_stdout = true;
        rel.timeout = s.opts.release_timeout;
        rel.on_line = [&](std::string_view line) { s.say(fmt::format("       {}", line)); };
        auto rr = run_child(rel);
        if (!rr)
            return Error(
                fmt::format("buildpack {}: bin/release: {}", bp.source, rr.error().message));
        if (!rr->success()) return step_error(bp, "bin/release", *rr);
        auto parsed =
            parse_release_output(rr->out, fmt::format("{} bin/release output", bp.source));
        if (!parsed) return std::move(parsed).error();
        for (auto& [type_name, command] : parsed->default_process_types) {
            // Copied: clang rejects capturing a structured binding in a lambda before C++20 P1091.
            const std::string type = type_name;
            auto& types = s.result.release.default_process_types;
            auto it = std::find_if(types.begin(), types.end(),
                                   [&](const auto& t) { return t.first == type; });
            if (it != types.end())
                it->second = command;
            else
                types.emplace_back(type, command);
        }
        for (auto& [k, v] : parsed->config_vars) s.result.release.config_vars[k] = v;
    }
    if (fs::exists(copy / "export")) s.exports.push_back(copy / "export");
    return {};
}

}  // namespace

Result<RunnerResult> run_buildpacks(const std::vector<Buildpack>& explicit_list,
                                    const std::vector<Buildpack>& candidates,
                                    const RunnerOptions& opts) {
    Session s{opts, {}, {}};
    if (!explicit_list.empty()) {
        for (std::size_t i = 0; i < explicit_list.size(); ++i) {
            const auto& bp = explicit_list[i];
            if (auto ok = check_buildpack(bp); !ok) return std::move(ok).error();
            auto copy = private_copy(bp, i, opts.work_dir);
            if (!copy) return std::move(copy).error();
            auto name = detect(s, bp, *copy);
            if (!name) return std::move(name).error();
            if (!name->has_value())
                return Error(
                    fmt::format("buildpack {}: bin/detect says this app is not compatible with it "
                                "(it was named "
                                "explicitly, so the build stops)",
                                bp.source));
            if (auto st = compile_and_release(s, bp, *copy, **name, i); !st)
                return std::move(st).error();
        }
        return std::move(s.result);
    }
    std::vector<std::string> tried;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const auto& bp = candidates[i];
        if (auto ok = check_buildpack(bp); !ok) return std::move(ok).error();
        auto copy = private_copy(bp, 0, opts.work_dir);
        if (!copy) return std::move(copy).error();
        auto name = detect(s, bp, *copy);
        if (!name) return std::move(name).error();
        tried.push_back(bp.source);
        if (!name->has_value()) continue;
        if (auto st = compile_and_release(s, bp, *copy, **name, 0); !st)
            return std::move(st).error();
        return std::move(s.result);
    }
    // Heroku's "no build needed": an app no buildpack recognises (a plain app.py and a
    // Procfile) still gets a slug, the source as it is, so config vars, rollbacks and the
    // release history work the same for every app.
    std::string list;
    for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
    s.say(
        fmt::format("-----> No buildpack detected this app (tried: {}): no build needed, the slug "
                    "is the source "
                    "as it is",
                    list.empty() ? "none found" : list));
    return std::move(s.result);
}

}  // namespace paasrun::build
