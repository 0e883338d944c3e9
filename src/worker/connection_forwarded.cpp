#include "worker/connection_forwarded.hpp"

#include <charconv>

#include "util/strings.hpp"

namespace paasrun::worker {
namespace {

std::string_view last_entry(std::string_view list) {
    auto comma = list.rfind(',');
    return trim(comma == std::string_view::npos ? list : list.substr(comma + 1), kOws);
}

// "1.2.3.4:5678" and "[::1]:80" appear in some proxies' X-Forwarded-For: keep the address.
std::string_view strip_port(std::string_view addr) {
    if (!addr.empty() && addr.front() == '[') {
        auto close = addr.find(']');
        return close == std::string_view::npos ? addr : addr.substr(1, close - 1);
    }
    auto colon = addr.find(':');
    if (colon != std::string_view::npos && addr.find(':', colon + 1) == std::string_view::npos)
        return addr.substr(0, colon);  // exactly one ':' -> IPv4 with port
    return addr;
}

}  // namespace

bool is_plausible_authority(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    for (char c : host) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_' ||
                  c == '~' || c == '%';
        if (!ok) return false;
    }
    return true;
}

void apply_forwarded(const http::Request& request, const http::CidrList& trusted,
                     std::string& storage, RequestInfo& info) {
    for (const auto& h : request.headers()) {
        if (http::iequals(h.name, "X-Forwarded-For")) {
            std::string_view list = h.value;
            while (!list.empty()) {
                auto comma = list.rfind(',');
                auto entry = strip_port(
                    trim(comma == std::string_view::npos ? list : list.substr(comma + 1), kOws));
                list = comma == std::string_view::npos ? std::string_view{} : list.substr(0, comma);
                http::IpAddress ip;
                if (!http::parse_ip(entry, ip)) break;  // garbage: stop trusting the list
                storage.assign(entry);
                info.remote_addr = storage;
                if (!trusted.contains(ip) || trusted.allows_all()) break;
            }
        } else if (http::iequals(h.name, "X-Forwarded-Proto")) {
            auto proto = last_entry(h.value);
            if (http::iequals(proto, "https"))
                info.url_scheme = "https";
            else if (http::iequals(proto, "http"))
                info.url_scheme = "http";
        } else if (http::iequals(h.name, "X-Forwarded-Host")) {
            auto host = last_entry(h.value);
            if (is_plausible_authority(host)) info.host = host;
        }
    }
}

void split_host(std::string_view host, std::string_view scheme, std::string_view listen_addr,
                std::uint16_t listen_port, std::string_view& name, std::uint16_t& port) {
    if (host.empty()) {
        name = listen_addr.empty() ? std::string_view{"localhost"} : listen_addr;
        port = listen_port;
        return;
    }
    std::uint16_t default_port = scheme == "https" ? 443 : 80;
    std::string_view port_text;
    if (host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string_view::npos) {
            name = host;
            port = default_port;
            return;
        }
        name = host.substr(0, close + 1);
        if (close + 1 < host.size() && host[close + 1] == ':') port_text = host.substr(close + 2);
    } else {
        auto colon = host.rfind(':');
        name = colon == std::string_view::npos ? host : host.substr(0, colon);
        if (colon != std::string_view::npos) port_text = host.substr(colon + 1);
    }
    port = default_port;
    if (!port_text.empty()) {
        if (auto value = parse_int<std::uint16_t>(port_text)) port = *value;
    }
}

}  // namespace paasrun::worker
