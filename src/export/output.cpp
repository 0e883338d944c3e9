#include "export/output.hpp"

#include <fmt/format.h>

#include "util/durable_fs.hpp"

namespace paasrun::exporting {

namespace fs = std::filesystem;

Result<std::vector<fs::path>> write_files(const fs::path& dir,
                                          const std::vector<GeneratedFile>& files) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    std::vector<fs::path> written;
    for (const auto& f : files) {
        auto path = dir / f.name;
        if (auto ok = paasrun::write_file_atomic(path, f.content, f.mode); !ok) return ok.error();
        written.push_back(path);
    }
    return written;
}

std::string yaml_stream(const std::vector<GeneratedFile>& files) {
    std::string out;
    for (const auto& f : files) out += "---\n# " + f.name + "\n" + f.content;
    return out;
}

std::string named_stream(const std::vector<GeneratedFile>& files) {
    std::string out;
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (i) out += '\n';
        out += "# ==> " + files[i].name + " <==\n" + files[i].content;
    }
    return out;
}

}  // namespace paasrun::exporting
