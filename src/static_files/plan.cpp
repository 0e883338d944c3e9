#include "static_files/plan.hpp"

#include <array>

namespace paasrun::static_files {
namespace {

constexpr std::size_t kMaxFields = 11;

// The plan's fields as (name, value) views, in the order they are sent.
std::size_t collect(const ResponsePlan& p, std::array<http::Header, kMaxFields>& out) {
    std::size_t n = 0;
    auto add = [&](std::string_view name, std::string_view value) {
        if (!value.empty()) out[n++] = http::Header{name, value};
    };
    add("Content-Type", p.content_type);
    add("Content-Encoding", p.content_encoding);
    add("Content-Range", p.content_range);
    add("Last-Modified", p.last_modified);
    add("ETag", p.etag);
    add("Cache-Control", p.cache_control);
    if (p.vary_accept_encoding) add("Vary", "Accept-Encoding");
    if (p.cors) add("Access-Control-Allow-Origin", "*");
    if (p.allow) add("Allow", "GET, HEAD");
    add("Location", p.location);
    return n;
}

}  // namespace

std::optional<std::string> ResponsePlan::header(std::string_view name) const {
    std::array<http::Header, kMaxFields> fields{};
    auto n = collect(*this, fields);
    for (std::size_t i = 0; i < n; ++i)
        if (http::iequals(fields[i].name, name)) return std::string(fields[i].value);
    if (http::iequals(name, "content-length") && content_length)
        return std::to_string(*content_length);
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ResponsePlan::fields() const {
    std::array<http::Header, kMaxFields> fields{};
    auto n = collect(*this, fields);
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        out.emplace_back(std::string(fields[i].name), std::string(fields[i].value));
    return out;
}

http::ResponseError render_head(const ResponsePlan& plan, http::Version version, bool keep_alive,
                                std::string& out, http::ResponsePlan& framing) {
    std::array<http::Header, kMaxFields> fields{};
    auto n = collect(plan, fields);
    http::ResponseSpec spec;
    spec.status = plan.status;
    spec.headers = std::span<const http::Header>(fields.data(), n);
    spec.version = version;
    spec.head_request = plan.head_request;
    spec.keep_alive = keep_alive;
    spec.body_length = plan.content_length;
    return http::write_response_head(spec, out, framing);
}

}  // namespace paasrun::static_files
