#include "export/output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/unique_fd.hpp"

namespace paasrun::exporting {

namespace fs = std::filesystem;

namespace {

Result<void> write_atomically(const fs::path& path, const std::string& content) {
    fs::path tmp = path;
    tmp += fmt::format(".tmp-{}", ::getpid());
    unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return sys_error("open {}", tmp.string());
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            auto e = sys_error("write {}", tmp.string());
            ::unlink(tmp.c_str());
            return e;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
        auto e = sys_error("fsync {}", tmp.string());
        ::unlink(tmp.c_str());
        return e;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        auto e = sys_error("rename {} to {}", tmp.string(), path.string());
        ::unlink(tmp.c_str());
        return e;
    }
    return {};
}

}  // namespace

Result<std::vector<fs::path>> write_files(const fs::path& dir, const std::vector<GeneratedFile>& files) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    std::vector<fs::path> written;
    for (const auto& f : files) {
        auto path = dir / f.name;
        if (auto ok = write_atomically(path, f.content); !ok) return ok.error();
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
