// `paasrun export kubernetes|systemd [DIR] [-o OUTDIR]`: argument wiring only; the
// generators are in src/export (docs/export.md).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "app/commands.hpp"
#include "config/manifest.hpp"
#include "config/procfile.hpp"
#include "config/settings.hpp"
#include "export/config_vars.hpp"
#include "export/kubernetes.hpp"
#include "export/output.hpp"
#include "export/plan.hpp"
#include "export/systemd.hpp"

namespace paasrun::app {

namespace {

namespace fs = std::filesystem;
namespace ex = exporting;

struct ExportArgs {
    std::string kind;
    std::string dir = ".";
    std::string output;
    std::string procfile;
    std::string formation;
    std::string image;
    std::string cpu = ex::Resources{}.cpu;
    std::string memory = ex::Resources{}.memory;
    std::string app_dir;
    std::string user;
    std::string paasrun_bin;
    std::string env_file;
    ex::DataVolume data;
};

int fail(const Error& e) {
    fmt::print(stderr, "paasrun export: error: {}\n", e.describe());
    return 1;
}

Result<ex::Plan> load_plan(const ExportArgs& a) {
    auto app_dir = fs::absolute(a.dir).lexically_normal();
    if (!fs::is_directory(app_dir))
        return Error(fmt::format("{} is not a directory", app_dir.string()));
    auto procfile =
        config::load_procfile(a.procfile.empty() ? (app_dir / "Procfile").string() : a.procfile);
    if (!procfile) return std::move(procfile).error();
    auto manifest = config::load_manifest(app_dir.string());
    if (!manifest) return std::move(manifest).error();
    std::map<std::string, int> counts;
    if (!a.formation.empty()) {
        auto parsed = config::parse_formation(a.formation);
        if (!parsed) return std::move(parsed).error();
        counts = std::move(*parsed);
    }
    return ex::make_plan(*procfile, *manifest, counts, ex::kAdminPort);
}

std::string self_path() {
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("/usr/local/bin/paasrun") : p.string();
}

int emit(const ExportArgs& a, const std::vector<ex::GeneratedFile>& files, bool yaml) {
    if (a.output.empty()) {
        auto text = yaml ? ex::yaml_stream(files) : ex::named_stream(files);
        std::fwrite(text.data(), 1, text.size(), stdout);
        return 0;
    }
    auto written = ex::write_files(a.output, files);
    if (!written) return fail(written.error());
    for (const auto& p : *written) fmt::print("wrote {}\n", p.string());
    return 0;
}

int run_export(const ExportArgs& a) {
    auto plan = load_plan(a);
    if (!plan) return fail(plan.error());
    if (a.kind == "kubernetes") {
        auto res = ex::parse_resources(a.cpu, a.memory);
        if (!res) return fail(res.error());
        auto vars = ex::load_config_vars(fs::absolute(a.dir).lexically_normal(), a.env_file);
        if (!vars) return fail(vars.error());
        auto objects = ex::kubernetes_manifests(*plan, {a.image, *res, std::move(*vars), a.data});
        if (!objects) return fail(objects.error());
        return emit(a, *objects, true);
    }
    ex::SystemdOptions opts;
    opts.app_dir = a.app_dir.empty() ? fs::absolute(a.dir).lexically_normal().string() : a.app_dir;
    if (opts.app_dir.size() > 1 && opts.app_dir.back() == '/') opts.app_dir.pop_back();
    opts.user = a.user;
    opts.paasrun_bin = a.paasrun_bin.empty() ? self_path() : a.paasrun_bin;
    auto units = ex::systemd_units(*plan, opts);
    if (!units) return fail(units.error());
    return emit(a, *units, false);
}

}  // namespace

void register_export(CLI::App& app, Commands& cmds) {
    auto a = std::make_shared<ExportArgs>();
    auto* sub = app.add_subcommand(
        "export",
        "Generate Kubernetes manifests or systemd units from the Procfile and paasrun.yaml");
    sub->add_option("kind", a->kind, "kubernetes | systemd")
        ->required()
        ->check(CLI::IsMember({"kubernetes", "systemd"}));
    add_app_option(sub, a->dir, sub->add_option("dir", a->dir, "App directory (default: .)"));
    sub->add_option("-o,--output", a->output,
                    "Write one file per object/unit into this directory (default: stdout)");
    sub->add_option("-f,--procfile", a->procfile, "Procfile to use (default: DIR/Procfile)");
    sub->add_option("-c,--formation", a->formation,
                    "Process counts, e.g. web=2,worker=1 (default: the manifest's)");
    sub->add_option("--image", a->image, "kubernetes: container image (default: APP:latest)");
    sub->add_option("--cpu", a->cpu, "kubernetes: CPU request and limit per pod (default 1)");
    sub->add_option("--memory", a->memory,
                    "kubernetes: memory request and limit per pod (default 512Mi)");
    sub->add_option("-e,--env", a->env_file,
                    "kubernetes: .env file for the config Secret (default: DIR/.env; the current "
                    "release's config vars win)");
    sub->add_option(
        "--data-volume-claim", a->data.claim,
        "kubernetes: PersistentVolumeClaim to create and mount; PAASRUN_DATA_DIR points at it");
    sub->add_option("--data-volume-size", a->data.size,
                    "kubernetes: the claim's size (default 1Gi)");
    sub->add_option("--data-volume-access-mode", a->data.access_mode,
                    "kubernetes: ReadWriteOnce (default; Deployments use Recreate), ReadWriteMany "
                    "or ReadWriteOncePod");
    sub->add_option("--app-dir", a->app_dir,
                    "systemd: the app's absolute path on the host (default: DIR)");
    sub->add_option("-u,--user", a->user, "systemd: user to run as (default: the app name)");
    sub->add_option("--paasrun", a->paasrun_bin,
                    "systemd: absolute path of paasrun on the host (default: this binary)");
    cmds.add(sub, [a] { return run_export(*a); });
}

}  // namespace paasrun::app
