#include "deploy/build_settings.hpp"

#include <fmt/format.h>

#include "build/pipeline.hpp"
#include "config/manifest.hpp"
#include "config/text_file.hpp"

namespace paasrun::deploy {

Result<TreeBuildOptions> tree_build_options(const std::filesystem::path& tree,
                                            const std::string& shown_file,
                                            const build::BuildOptions& process) {
    auto text = config::read_optional_text_file((tree / "paasrun.yaml").string());
    if (!text)
        return Error(
            fmt::format("cannot read the deployed {}: {}", shown_file, text.error().message));
    TreeBuildOptions out;
    config::Manifest manifest;  // no paasrun.yaml: the defaults, as `paasrun build` uses
    if (text->has_value()) {
        auto m = config::parse_manifest(**text, shown_file);
        if (!m)
            return Error(
                fmt::format("the deployed paasrun.yaml is invalid: {}", m.error().describe()));
        manifest = std::move(*m);
        out.own_manifest = true;
    }
    out.options = build::pipeline_options(manifest).build;
    out.options.compile_timeout = process.compile_timeout;
    out.options.paasrun_version = process.paasrun_version;
    return out;
}

}  // namespace paasrun::deploy
