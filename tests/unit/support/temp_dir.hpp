// TempDir: a fresh directory for one test (under $TMPDIR, else /tmp), removed with all its
// contents when the object goes out of scope. Shared by the unit test binaries:
// tests/unit is on their include path (CMakeLists.txt), so `#include "support/temp_dir.hpp"`.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace paasrun::testing {

class TempDir {
public:
    /// `tag` names the directory (`paasrun-<tag>-XXXXXX`), so a leftover tells whose it was.
    explicit TempDir(std::string_view tag = "unit") {
        auto tmpl =
            (std::filesystem::temp_directory_path() / ("paasrun-" + std::string(tag) + "-XXXXXX"))
                .string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            throw std::runtime_error("mkdtemp(" + tmpl + ") failed");
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::filesystem::path path;
};

}  // namespace paasrun::testing
