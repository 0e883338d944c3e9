// The admin API's request and response as plain values, so every handler is a pure function
// (ApiRequest -> ApiResponse) that the unit tests call without sockets. server.cpp converts
// httplib's types to and from these; nothing here includes httplib.h.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paasrun::admin {

struct ApiRequest {
    std::string method;                             // GET, POST, ... (HEAD is served as GET)
    std::string path;                               // without the query string
    std::multimap<std::string, std::string> query;  // decoded query parameters
    std::string authorization;                      // the Authorization header, or empty
    std::string content_type;                       // the Content-Type header, or empty
    std::string accept;                             // the Accept header, or empty
    std::optional<std::uint64_t> content_length;    // when the header was sent
    bool chunked = false;                           // Transfer-Encoding: chunked
    std::string body;                               // JSON routes only (archives are streamed)
    // What the dashboard's session checks read (src/admin/dashboard/): the Cookie header,
    // and for the CSRF and same-origin checks Origin, Host, Sec-Fetch-Site, X-CSRF-Token;
    // X-Forwarded-Proto decides whether the session cookie is marked Secure.
    std::string cookie;
    std::string origin;
    std::string host;
    std::string sec_fetch_site;
    std::string csrf_token;
    std::string forwarded_proto;
};

struct ApiResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers

    [[nodiscard]] const std::string* header(std::string_view name) const {
        for (const auto& [k, v] : headers)
            if (k == name) return &v;
        return nullptr;
    }
};

/// Every error the API returns: {"error": code, "message": message}, JSON.
/// Codes (docs/admin-api.md lists them): bad_request, invalid_json, invalid_parameter,
/// token_in_query, unauthorized, not_found, method_not_allowed, conflict,
/// payload_too_large, unsupported_media_type, unprocessable, too_many_streams, internal.
[[nodiscard]] inline ApiResponse error_response(int status, std::string_view code,
                                                std::string_view message) {
    ApiResponse r;
    r.status = status;
    r.body = nlohmann::json{{"error", code}, {"message", message}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    r.body += '\n';
    return r;
}

[[nodiscard]] inline ApiResponse json_response(int status, const nlohmann::json& body) {
    ApiResponse r;
    r.status = status;
    // Log lines and build output may hold invalid UTF-8: replace it rather than throw.
    r.body = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    r.body += '\n';
    return r;
}

}  // namespace paasrun::admin
