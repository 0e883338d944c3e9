// `paasrun compress DIR [--no-gzip] [--no-brotli] [-q]`: write .gz and .br siblings for the
// compressible static files under DIR (rules in src/static_files/compress.hpp and
// docs/static.md). Exit codes: 0 done, 1 some files failed (each printed on stderr),
// 2 DIR is not a directory.
#include <cstdio>
#include <memory>
#include <string>

#include "app/commands.hpp"
#include "static_files/compress.hpp"

namespace paasrun::app {

namespace {
struct CompressArgs {
    std::string dir;
    bool no_gzip = false;
    bool no_brotli = false;
    bool quiet = false;
};
}  // namespace

void register_compress(CLI::App& app, Commands& cmds) {
    auto args = std::make_shared<CompressArgs>();
    auto* sub = app.add_subcommand(
        "compress",
        "Write .gz and .br siblings of compressible static files (kept if >= 5% smaller)");
    sub->add_option("dir", args->dir, "Directory of static files")->required();
    sub->add_flag("--no-gzip", args->no_gzip, "Do not write .gz files");
    sub->add_flag("--no-brotli", args->no_brotli, "Do not write .br files");
    sub->add_flag("-q,--quiet", args->quiet, "Print only the summary and errors");

    cmds.add(sub, [args]() -> int {
        static_files::CompressOptions options;
        options.gzip = !args->no_gzip;
        options.brotli = !args->no_brotli;
        auto on_write = [&](const std::string& path) {
            if (!args->quiet) std::printf("wrote %s\n", path.c_str());
        };
        auto report = static_files::compress_tree(args->dir, options, on_write);
        if (!report) {
            std::fprintf(stderr, "paasrun compress: %s\n", report.error().describe().c_str());
            return 2;
        }
        for (const auto& e : report->errors)
            std::fprintf(stderr, "paasrun compress: %s\n", e.describe().c_str());
        std::printf(
            "compress: files=%zu written=%zu up_to_date=%zu not_worth_it=%zu "
            "removed_stale=%zu skipped=%zu errors=%zu\n",
            report->files, report->written, report->up_to_date, report->not_worth_it,
            report->removed_stale, report->skipped, report->errors.size());
        return report->errors.empty() ? 0 : 1;
    });
}

}  // namespace paasrun::app
