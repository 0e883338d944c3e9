// libFuzzer target: manifest parsing (yaml-cpp plus our validation) must never crash or let
// an exception escape; check_manifest and parse_manifest agree; accepted values respect the
// documented ranges.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace paasrun::config;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto errors = check_manifest(text);
    auto parsed = parse_manifest(text);
    if (errors.empty() != parsed.ok()) std::abort();
    if (!parsed) return 0;
    const Manifest& m = *parsed;
    for (const auto& [name, count] : m.formation)
        if (count < 0 || count > max_formation_count || name == "release") std::abort();
    if (m.web.workers < 0 || m.web.threads < 1 || !(m.web.timeout > 0)) std::abort();
    if (m.web.max_body < 1 || m.grace_period < 0 || !(m.release_timeout > 0)) std::abort();
    if (m.restart.max_delay < m.restart.initial_delay) std::abort();
    for (const auto& s : m.static_files.mappings)
        if (s.prefix.empty() || s.prefix.front() != '/' || s.dir.empty()) std::abort();
    return 0;
}
