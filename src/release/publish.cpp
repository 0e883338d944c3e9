#include "release/publish.hpp"

#include <algorithm>
#include <deque>

#include "config/data_dir.hpp"
#include "config/procfile.hpp"
#include "release/child_process.hpp"
#include "release/runtime_env.hpp"
#include "util/test_hooks.hpp"

namespace paasrun::release {

namespace {

Result<Release> current_or_error(const ReleaseStore& store, int* version_out) {
    auto cur = store.current_version();
    if (!cur) return std::move(cur).error();
    *version_out = *cur;
    if (*cur == 0) return Release{};
    return store.load(*cur);
}

std::string short_hash(const std::string& h) {
    return h.substr(0, 8);
}

}  // namespace

bool valid_config_key(std::string_view key) {
    if (key.empty() || !(std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_'))
        return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

constexpr int kFailureTailLines = 3;            // output lines quoted in a failure
constexpr std::size_t kFailureLineChars = 200;  // each cut to this many characters

Result<std::pair<bool, double>> run_release_phase(const ReleaseStore& store, int version,
                                                  const PublishOptions& opts) {
    auto r = store.load(version);
    if (!r) return std::move(r).error();
    if (r->release_command.empty() || r->slug_id.empty()) return std::pair{false, 0.0};
    auto slug = store.load_slug(r->slug_id);
    if (!slug) return std::move(slug).error();

    if (!opts.data_dir.empty())
        if (auto s = config::ensure_data_dir(opts.data_dir); !s) return std::move(s).error();
    // Keep the tail of the output for the error message: the full output was streamed.
    std::deque<std::string> tail;
    ChildSpec spec;
    auto slug_dir = store.slug_app_dir(r->slug_id).string();
    spec.argv = opts.in_place_dir.empty() ? profile_wrapped_argv(r->release_command)
                                          : profile_wrapped_argv(r->release_command, slug_dir);
    spec.cwd = opts.in_place_dir.empty() ? slug_dir : opts.in_place_dir;
    spec.env = release_environment(*r, *slug, opts.manifest_env, environ_entries(),
                                   {opts.dotenv, opts.data_dir, slug_dir});
    spec.timeout = opts.release_timeout;
    spec.on_line = [&](std::string_view line) {
        if (opts.on_output) opts.on_output(line);
        tail.emplace_back(line);
        if (tail.size() > 10) tail.pop_front();
    };
    auto res = run_child(spec);
    if (!res)
        return Error(
            fmt::format("release phase of v{} could not start: {}", version, res.error().message));
    if (res->success()) return std::pair{true, res->seconds};
    std::string why =
        res->timed_out
            ? fmt::format(
                  "release command `{}` did not finish within the release_timeout ({:.0f}s) and "
                  "was killed",
                  r->release_command, std::chrono::duration<double>(opts.release_timeout).count())
            : fmt::format("release command `{}` {}", r->release_command, res->describe());
    // One line: the release history and a deploy job keep a failure's first line only, so
    // the output's last lines go on it (the whole output was streamed through on_output).
    std::string last;
    int shown = 0;
    for (auto it = tail.rbegin(); it != tail.rend() && shown < kFailureTailLines; ++it) {
        if (it->find_first_not_of(" \t\r") == std::string::npos) continue;
        auto line = it->size() > kFailureLineChars ? it->substr(0, kFailureLineChars) + "..." : *it;
        last = shown++ == 0 ? line : line + " | " + last;
    }
    return Error(fmt::format("release phase of v{} failed: {}{}", version, why,
                             last.empty() ? "; it printed nothing" : "; last output: " + last));
}

Result<PublishResult> publish(const ReleaseStore& store, Release draft,
                              const PublishOptions& opts) {
    auto v = store.create(std::move(draft));
    if (!v) return std::move(v).error();
    PublishResult out;
    out.version = *v;
    auto phase = run_release_phase(store, *v, opts);
    if (!phase) {
        // The message's first line is the reason; the output tail stays out of the history.
        auto msg = phase.error().message;
        (void)store.mark_failed(*v, msg.substr(0, msg.find('\n')));
        return Error(
            fmt::format("{}\nv{} was not activated; the current release is unchanged", msg, *v));
    }
    out.release_phase_ran = phase->first;
    out.release_phase_seconds = phase->second;
    if (auto s = store.activate(*v); !s) {
        (void)store.mark_failed(*v, s.error().message);
        return std::move(s).error();
    }
    auto pruned = store.prune(opts.keep_releases);
    if (!pruned) return std::move(pruned).error();
    out.pruned = std::move(*pruned);
    return out;
}

Result<Release> draft_build_release(const ReleaseStore& store, const SlugMeta& slug) {
    int cur = 0;
    auto current = current_or_error(store, &cur);
    if (!current) return std::move(current).error();

    Release r;
    r.kind = ReleaseKind::build;
    r.description = fmt::format("Deploy {}", short_hash(slug.source_hash));
    r.slug_id = slug.id;
    r.source_hash = slug.source_hash;
    r.config_vars = current->config_vars;  // Heroku: a deploy keeps the app's config

    auto procfile_path = store.slug_app_dir(slug.id) / "Procfile";
    r.process_types = slug.default_process_types;
    if (fs::exists(procfile_path)) {
        auto pf = config::load_procfile(procfile_path.string());
        if (!pf) return std::move(pf).error();
        // The Procfile wins over buildpack defaults per name (Heroku's rule); defaults it
        // does not mention stay available.
        ProcessTypes merged;
        for (const auto& p : pf->processes) merged.emplace_back(p.name, p.command);
        for (const auto& d : slug.default_process_types)
            if (!pf->find(d.first) && d.first != "release") merged.push_back(d);
        r.process_types = std::move(merged);
        if (pf->release) r.release_command = pf->release->command;
    }
    return r;
}

Result<Release> draft_rollback(const ReleaseStore& store, int target) {
    auto cur = store.current_version();
    if (!cur) return std::move(cur).error();
    if (*cur == 0) return Error("there is no current release to roll back from");
    if (target == 0) {
        target = store.previous_version();
        if (target == 0)
            return Error(fmt::format(
                "v{} is the only release that was ever current: nothing to roll back to", *cur));
    }
    auto from = store.load(target);
    if (!from) return std::move(from).error();
    if (from->slug_id.empty())
        return Error(
            fmt::format("v{} has no slug (a config-only release): cannot roll back to it", target));
    if (!store.load_slug(from->slug_id))
        return Error(fmt::format("the slug of v{} was removed: cannot roll back to it", target));
    Release r = *from;
    r.version = 0;
    r.created_at.clear();
    r.kind = ReleaseKind::rollback;
    r.rollback_of = target;
    // A rollback to the current release is a redeploy (the dashboard's Redeploy button,
    // `paasrun rollback vN` with vN current): said so, as Heroku users expect.
    r.redeploy = target == *cur;
    r.description = r.redeploy ? fmt::format("Redeploy of v{}", target)
                               : fmt::format("Rollback to v{}", target);
    return r;
}

Result<Release> draft_config_change(const ReleaseStore& store,
                                    const std::vector<std::pair<std::string, std::string>>& set,
                                    const std::vector<std::string>& unset) {
    int cur = 0;
    auto current = current_or_error(store, &cur);
    if (!current) return std::move(current).error();
    Release r = *current;
    r.version = 0;
    r.created_at.clear();
    r.kind = ReleaseKind::config;
    r.rollback_of = 0;
    r.redeploy = false;
    std::vector<std::string> changed, removed;
    for (const auto& [k, v] : set) {
        if (!valid_config_key(k))
            return Error(
                fmt::format("\"{}\" is not a valid config var name ([A-Za-z_][A-Za-z0-9_]*)", k));
        auto it = r.config_vars.find(k);
        if (it != r.config_vars.end() && it->second == v) continue;
        r.config_vars[k] = v;
        changed.push_back(k);
    }
    for (const auto& k : unset) {
        if (!r.config_vars.erase(k)) return Error(fmt::format("config var {} is not set", k));
        removed.push_back(k);
    }
    if (changed.empty() && removed.empty())
        return Error("nothing to change: every value is already set as given");
    // Heroku's wording ("Set FOO, BAR config vars"); names only, never values.
    std::string desc;
    auto join = [](const std::vector<std::string>& ks) {
        std::string s;
        for (const auto& k : ks) s += (s.empty() ? "" : ", ") + k;
        return s;
    };
    if (!changed.empty())
        desc = fmt::format("Set {} config var{}", join(changed), changed.size() > 1 ? "s" : "");
    if (!removed.empty())
        desc += fmt::format("{}Remove {} config var{}", desc.empty() ? "" : "; ", join(removed),
                            removed.size() > 1 ? "s" : "");
    r.description = desc;
    return r;
}

}  // namespace paasrun::release
