// The dashboard's files (HTML, JS, CSS, and uPlot from the npm registry), embedded into the
// binary at build time by cmake/embed_assets.cmake: nothing is read from disk or fetched
// from the network at run time. The definitions are generated (build/generated/...).
#pragma once

#include <span>
#include <string_view>

namespace paasrun::admin::dashboard {

struct Asset {
    std::string_view name;          // "app.js"
    std::string_view content_type;  // "text/javascript; charset=utf-8"
    std::string_view body;
    std::string_view sha256;  // hex, of the body: the ETag
};

/// Every embedded file.
[[nodiscard]] std::span<const Asset> embedded_assets();

/// The file called `name`, or nullptr.
[[nodiscard]] const Asset* find_asset(std::string_view name);

}  // namespace paasrun::admin::dashboard
