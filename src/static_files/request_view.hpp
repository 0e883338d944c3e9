// The facts of a request that the static-file rules read. Views only: they must outlive the
// resolve() call that reads them (the worker builds one from its parsed http::Request).
#pragma once

#include <string_view>

#include "http/request.hpp"

namespace paasrun::static_files {

struct RequestView {
    std::string_view method;  // case-sensitive token: "GET", "HEAD", ...
    std::string_view path;    // raw path, still percent-encoded, without the query
    std::string_view query;   // without '?', empty when absent (kept on redirects)
    // Field values; empty when absent (an empty field is treated as absent).
    std::string_view if_none_match;
    std::string_view if_modified_since;
    std::string_view range;
    std::string_view if_range;
    std::string_view accept_encoding;

    /// The view of a parsed request (first value of each field; one pass over the fields).
    [[nodiscard]] static RequestView from(const http::Request& r) noexcept;
};

}  // namespace paasrun::static_files
