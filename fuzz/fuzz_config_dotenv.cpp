// libFuzzer target: .env parsing must never crash; check_dotenv and parse_dotenv agree, and
// every accepted key is a valid name and every value is free of NUL bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/dotenv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto errors = paasrun::config::check_dotenv(text);
    auto parsed = paasrun::config::parse_dotenv(text);
    if (errors.empty() != parsed.ok()) std::abort();
    if (!parsed) {
        if (errors.front().describe() != parsed.error().describe()) std::abort();
        if (parsed.error().where.line < 1 || parsed.error().where.column < 1) std::abort();
        return 0;
    }
    for (const auto& [key, value] : *parsed) {
        if (key.empty() || key.find('=') != std::string::npos) std::abort();
        if (value.find('\0') != std::string::npos) std::abort();
    }
    return 0;
}
