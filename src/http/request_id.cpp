#include "http/request_id.hpp"

#include <random>

namespace paasrun::http {

bool is_valid_request_id(std::string_view id) noexcept {
    if (id.size() < kRequestIdMin || id.size() > kRequestIdMax) return false;
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/' || c == '=' || c == '-';
        if (!ok) return false;
    }
    return true;
}

void generate_request_id(std::array<char, kGeneratedIdSize>& out) {
    // Seeded once per thread from the kernel; workers start by fork+exec, so no two
    // processes share a generator state.
    thread_local std::mt19937_64 rng{[] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937_64(seq);
    }()};
    constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < out.size(); i += 16) {
        std::uint64_t v = rng();
        for (std::size_t j = 0; j < 16; ++j, v >>= 4) out[i + j] = kHex[v & 0xf];
    }
}

std::string generate_request_id() {
    std::array<char, kGeneratedIdSize> buf;
    generate_request_id(buf);
    return {buf.data(), buf.size()};
}

std::string request_id_for(std::string_view client_id) {
    if (is_valid_request_id(client_id)) return std::string(client_id);
    return generate_request_id();
}

void echo_request_id(std::vector<Header>& headers, std::string_view id) {
    if (id.empty()) return;
    for (const auto& h : headers)
        if (iequals(h.name, "X-Request-Id")) return;
    headers.push_back({"X-Request-Id", id});
}

}  // namespace paasrun::http
