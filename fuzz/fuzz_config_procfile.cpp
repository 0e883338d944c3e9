// libFuzzer target: Procfile parsing must never crash, and check_procfile (all errors) must
// agree with parse_procfile (first error): no errors exactly when parsing succeeds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/procfile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto errors = paasrun::config::check_procfile(text);
    auto parsed = paasrun::config::parse_procfile(text);
    if (errors.empty() != parsed.ok()) std::abort();
    if (!parsed) {
        // The first collected error is the one parse reports, with a real position.
        if (errors.front().describe() != parsed.error().describe()) std::abort();
        if (parsed.error().where.line < 1 || parsed.error().where.column < 1) std::abort();
        return 0;
    }
    for (const auto& p : parsed->processes)
        if (p.name.empty() || p.command.empty() || p.name == "release") std::abort();
    return 0;
}
