// `paasrun build | releases | releases:info | rollback | config | config:get | config:set |
// config:unset`: argument wiring
// only; the work is in src/build (pipeline.hpp) and src/release (store.hpp, publish.hpp).
// With --to URL (or $PAASRUN_URL) the release commands talk to a running instance's admin
// API instead (remote.hpp); without it they work on the local state dir.
#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "admin/views.hpp"
#include "app/commands.hpp"
#include "app/remote.hpp"
#include "build/pipeline.hpp"
#include "release/publish.hpp"
#include "release/store.hpp"

namespace paasrun::app {

namespace {

namespace fs = std::filesystem;

int fail(std::string_view command, const Error& e) {
    fmt::print(stderr, "paasrun {}: error: {}\n", command, e.describe());
    return 1;
}

void print_line(std::string_view line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
}

struct AppArgs {
    std::string dir = ".";
    remote::Target target;  // --to / --token
    double timeout = 900;   // --timeout: how long a remote job is followed
};

// Where a release command goes (remote::route): --to / $PAASRUN_URL; else a running
// `paasrun up/start` of the app in DIR, so the change goes through it and its processes restart
// with the new release (as `heroku config:set` restarts the dynos); else DIR's own store.
//
// DIR names a local app; with --to the instance's own app is meant, so a DIR is a mistake.
bool remote_with_dir(std::string_view command, const AppArgs& a) {
    if (a.dir == ".") return false;
    fmt::print(stderr,
               "paasrun {}: error: DIR ({}) and --to exclude each other: the remote instance "
               "serves its own app\n",
               command, a.dir);
    return true;
}

void add_remote_options(CLI::App* sub, AppArgs& a, bool job) {
    remote::add_options(sub, a.target);
    if (job)
        sub->add_option("--timeout", a.timeout,
                        "With a running instance (--to, or found in DIR): seconds to follow the "
                        "job (default 900)")
            ->check(CLI::PositiveNumber);
}

release::PublishOptions publish_options(const fs::path& app_dir,
                                        Result<build::PipelineOptions>& opts) {
    opts = build::pipeline_options(app_dir);
    release::PublishOptions p = opts ? opts->publish : release::PublishOptions{};
    p.on_output = [](std::string_view l) { print_line(fmt::format("       release | {}", l)); };
    return p;
}

// Publishes a config/rollback draft; prints Heroku-style progress.
using DraftMaker = std::function<Result<release::Release>(const release::ReleaseStore&)>;

int publish_draft(std::string_view command, const fs::path& app_dir, const DraftMaker& make) {
    release::ReleaseStore store(release::resolve_state_dir(app_dir));
    auto lock = store.lock();
    if (!lock) return fail(command, lock.error());
    auto draft = make(store);
    if (!draft) return fail(command, draft.error());
    Result<build::PipelineOptions> opts = Error("unset");
    auto popts = publish_options(app_dir, opts);
    if (!opts) return fail(command, opts.error());
    std::string what = draft->description;
    auto published = release::publish(store, std::move(*draft), popts);
    if (!published) return fail(command, published.error());
    print_line(fmt::format("{}: done, v{} (current)", what, published->version));
    return 0;
}

int run_build(const AppArgs& a, const std::string& output) {
    auto app_dir = fs::absolute(a.dir);
    auto opts = build::pipeline_options(app_dir);
    if (!opts) return fail("build", opts.error());
    opts->build.on_output = print_line;
    opts->publish.on_output = [](std::string_view l) {
        print_line(fmt::format("       release | {}", l));
    };
    opts->output_archive = output;
    auto out = build::build_and_release(app_dir, release::resolve_state_dir(app_dir), *opts);
    if (!out) {
        fmt::print(stderr,
                   "paasrun build: error: {}\npaasrun build: build failed; the current release is "
                   "unchanged\n",
                   out.error().describe());
        return 1;
    }
    if (out->publish.release_phase_ran)
        print_line(fmt::format("-----> Release phase succeeded in {:.1f}s",
                               out->publish.release_phase_seconds));
    for (int v : out->publish.pruned)
        print_line(fmt::format("-----> Removed old release v{} (keep_releases)", v));
    print_line(
        fmt::format("-----> Released v{} (current); total {:.1f}s", out->version, out->seconds));
    return 0;
}

int run_releases(const AppArgs& a) {
    release::ReleaseStore store(release::resolve_state_dir(fs::absolute(a.dir)));
    auto list = store.list();
    if (!list) return fail("releases", list.error());
    if (list->empty()) {
        print_line("no releases yet (run `paasrun build`)");
        return 0;
    }
    print_line(fmt::format("{:<8} {:<21} {:<13} {:<10} {}", "VERSION", "CREATED", "SOURCE",
                           "STATUS", "DESCRIPTION"));
    for (auto it = list->rbegin(); it != list->rend(); ++it) {
        const auto& r = it->release;
        std::string desc = r.description;
        if (!it->failure_reason.empty()) desc += fmt::format(" ({})", it->failure_reason);
        print_line(fmt::format("{:<8} {:<21} {:<13} {:<10} {}", fmt::format("v{}", r.version),
                               r.created_at, r.source_hash.substr(0, 12),
                               release::to_string(it->status), desc));
    }
    return 0;
}

int run_config(const AppArgs& a, bool reveal) {
    release::ReleaseStore store(release::resolve_state_dir(fs::absolute(a.dir)));
    auto cur = store.current_version();
    if (!cur) return fail("config", cur.error());
    if (*cur == 0) {
        print_line("no config vars (no release yet)");
        return 0;
    }
    auto r = store.load(*cur);
    if (!r) return fail("config", r.error());
    if (!reveal)
        print_line(fmt::format("=== v{} config vars (values hidden; --reveal shows them)", *cur));
    for (const auto& [k, v] : r->config_vars) print_line(reveal ? fmt::format("{}={}", k, v) : k);
    return 0;
}

int run_config_get(const AppArgs& a, const std::string& key) {
    release::ReleaseStore store(release::resolve_state_dir(fs::absolute(a.dir)));
    auto cur = store.current_version();
    if (!cur) return fail("config:get", cur.error());
    if (*cur == 0) {
        fmt::print(stderr, "paasrun config:get: {} is not set (no release yet)\n", key);
        return 1;
    }
    auto r = store.load(*cur);
    if (!r) return fail("config:get", r.error());
    auto it = r->config_vars.find(key);
    if (it == r->config_vars.end()) {
        fmt::print(stderr, "paasrun config:get: {} is not set (v{})\n", key, *cur);
        return 1;
    }
    print_line(it->second);
    return 0;
}

int run_release_info(const AppArgs& a, int version) {
    release::ReleaseStore store(release::resolve_state_dir(fs::absolute(a.dir)));
    auto cur = store.current_version();
    if (!cur) return fail("releases:info", cur.error());
    auto list = store.list();
    if (!list) return fail("releases:info", list.error());
    int want = version > 0 ? version : *cur;
    if (want == 0) return fail("releases:info", Error("no releases yet (run `paasrun build`)"));
    for (const auto& info : *list)
        if (info.release.version == want) {
            remote::print_release_info(admin::release_json(info, false, *cur, nullptr));
            return 0;
        }
    return fail("releases:info", Error(fmt::format("there is no release v{}", want)));
}

// [vN] [DIR] in either order (rollback, releases:info): a word that parses as a version
// and is not a directory is the version.
void split_version_and_dir(const std::vector<std::string>& words, int& version, std::string& dir) {
    for (const auto& w : words) {
        auto v = release::parse_version(w);
        if (v && !fs::is_directory(w) && version == 0)
            version = *v;
        else
            dir = w;
    }
}

}  // namespace

void register_build(CLI::App& app, Commands& cmds) {
    auto args = std::make_shared<AppArgs>();

    auto output = std::make_shared<std::string>();
    auto* build =
        app.add_subcommand("build", "Build the app into a slug with its buildpacks and release it");
    add_app_option(build, args->dir,
                   build->add_option("dir", args->dir, "App directory (default: .)"));
    build->add_option("-o,--output", *output, "Also write the slug as a .tgz archive");
    cmds.add(build, [args, output] { return run_build(*args, *output); });

    auto* releases = app.add_subcommand(
        "releases", "List releases: version, created, source hash, status, description");
    add_app_option(releases, args->dir,
                   releases->add_option("dir", args->dir, "App directory (default: .)"));
    add_remote_options(releases, *args, false);

    auto info_args = std::make_shared<std::vector<std::string>>();
    auto* info = releases->add_subcommand(
        "info", "releases:info [vN]: one release's details (default: the current one)");
    info->add_option("args", *info_args, "[vN] [DIR]")->expected(0, 2);
    add_app_option(info, args->dir);
    add_remote_options(info, *args, false);
    cmds.add(info, [args, info_args] {
        int version = 0;
        AppArgs a = *args;
        split_version_and_dir(*info_args, version, a.dir);
        auto route = remote::route(a.target, a.dir);
        if (route == remote::Route::local) return run_release_info(a, version);
        if (route == remote::Route::named && remote_with_dir("releases:info", a))
            return remote::kExitUsage;
        return remote::release_info(a.target, version);
    });
    // After releases:info: Commands::selected() takes the first parsed entry.
    cmds.add(releases, [args] {
        auto route = remote::route(args->target, args->dir);
        if (route == remote::Route::local) return run_releases(*args);
        if (route == remote::Route::named && remote_with_dir("releases", *args))
            return remote::kExitUsage;
        return remote::releases(args->target);
    });

    auto rb_args = std::make_shared<std::vector<std::string>>();
    auto* rollback = app.add_subcommand(
        "rollback",
        "Make a new release from an earlier release's slug and config (default: the previous one)");
    rollback->add_option("args", *rb_args, "[vN] [DIR]")->expected(0, 2);
    add_app_option(rollback, args->dir);
    add_remote_options(rollback, *args, true);
    cmds.add(rollback, [args, rb_args] {
        int target = 0;
        std::string dir = args->dir;
        split_version_and_dir(*rb_args, target, dir);
        if (auto route = remote::route(args->target, dir); route != remote::Route::local) {
            AppArgs with_dir = *args;
            with_dir.dir = dir;
            if (route == remote::Route::named && remote_with_dir("rollback", with_dir))
                return remote::kExitUsage;
            return remote::rollback(args->target, target, args->timeout);
        }
        return publish_draft("rollback", fs::absolute(dir),
                             [target](const release::ReleaseStore& s) {
                                 return release::draft_rollback(s, target);
                             });
    });

    auto reveal = std::make_shared<bool>(false);
    auto* config = app.add_subcommand(
        "config", "Show the current release's config var names (values with --reveal)");
    add_app_option(config, args->dir,
                   config->add_option("dir", args->dir, "App directory (default: .)"));
    config->add_flag("--reveal", *reveal, "Print the values too");
    add_remote_options(config, *args, false);

    auto key = std::make_shared<std::string>();
    auto* get = config->add_subcommand(
        "get", "config:get KEY: print one config var's value (exit 1 when it is not set)");
    get->add_option("key", *key, "KEY")->required();
    add_app_option(get, args->dir);
    add_remote_options(get, *args, false);
    cmds.add(get, [args, key] {
        auto route = remote::route(args->target, args->dir);
        if (route == remote::Route::local) return run_config_get(*args, *key);
        if (route == remote::Route::named && remote_with_dir("config:get", *args))
            return remote::kExitUsage;
        return remote::config_get(args->target, *key);
    });

    auto pairs = std::make_shared<std::vector<std::string>>();
    auto* set = config->add_subcommand(
        "set", "config:set KEY=VALUE ...: set config vars (makes a new release)");
    set->add_option("pairs", *pairs, "KEY=VALUE ...")->required();
    add_app_option(set, args->dir);
    add_remote_options(set, *args, true);
    cmds.add(set, [args, pairs] {
        std::vector<std::pair<std::string, std::string>> set_vars;
        for (const auto& p : *pairs) {
            auto eq = p.find('=');
            if (eq == std::string::npos)
                return fail("config:set", Error(fmt::format("\"{}\" is not KEY=VALUE",
                                                            p.substr(0, p.find('=')))));
            set_vars.emplace_back(p.substr(0, eq), p.substr(eq + 1));
        }
        if (auto route = remote::route(args->target, args->dir); route != remote::Route::local) {
            if (route == remote::Route::named && remote_with_dir("config:set", *args))
                return remote::kExitUsage;
            return remote::config_set(args->target, set_vars, args->timeout);
        }
        return publish_draft("config:set", fs::absolute(args->dir),
                             [&set_vars](const release::ReleaseStore& s) {
                                 return release::draft_config_change(s, set_vars, {});
                             });
    });

    auto keys = std::make_shared<std::vector<std::string>>();
    auto* unset = config->add_subcommand(
        "unset", "config:unset KEY ...: remove config vars (makes a new release)");
    unset->add_option("keys", *keys, "KEY ...")->required();
    add_app_option(unset, args->dir);
    add_remote_options(unset, *args, true);
    cmds.add(unset, [args, keys] {
        if (auto route = remote::route(args->target, args->dir); route != remote::Route::local) {
            if (route == remote::Route::named && remote_with_dir("config:unset", *args))
                return remote::kExitUsage;
            return remote::config_unset(args->target, *keys, args->timeout);
        }
        return publish_draft("config:unset", fs::absolute(args->dir),
                             [keys](const release::ReleaseStore& s) {
                                 return release::draft_config_change(s, {}, *keys);
                             });
    });
    // After get/set/unset: Commands::selected() takes the first parsed entry, and `config` is
    // parsed too when `config set` is.
    cmds.add(config, [args, reveal] {
        auto route = remote::route(args->target, args->dir);
        if (route == remote::Route::local) return run_config(*args, *reveal);
        if (route == remote::Route::named && remote_with_dir("config", *args))
            return remote::kExitUsage;
        return remote::config(args->target, *reveal);
    });
}

}  // namespace paasrun::app
