// Where generated files go: a directory (one file each, written atomically so a unit or
// manifest is never seen half-written), or stdout as one stream.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "export/kubernetes.hpp"  // GeneratedFile
#include "util/result.hpp"

namespace paasrun::exporting {

/// Creates `dir` (and parents) and writes every file into it (util/durable_fs: atomic and
/// durable, with the file's mode: 0600 for the Secret), replacing files of the same name;
/// other files in the dir are left alone. Returns the paths written.
[[nodiscard]] Result<std::vector<std::filesystem::path>> write_files(
    const std::filesystem::path& dir, const std::vector<GeneratedFile>& files);

/// Kubernetes: a multi-document YAML stream (`kubectl apply -f -`). Pure.
[[nodiscard]] std::string yaml_stream(const std::vector<GeneratedFile>& files);

/// Unit files one after the other, each under a `# ==> NAME <==` line (tail's format). Pure.
[[nodiscard]] std::string named_stream(const std::vector<GeneratedFile>& files);

}  // namespace paasrun::exporting
