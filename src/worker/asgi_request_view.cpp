#include "worker/asgi_request_view.hpp"

#include "http/request.hpp"

namespace paasrun::worker {

void fill_request_view(const RequestInfo& info, std::vector<wsgi::Header>& headers,
                       asgi::RequestView& r) {
    const auto& req = *info.head;
    headers.clear();
    bool host_seen = false;
    for (const auto& h : req.headers()) {
        if (http::iequals(h.name, "Host")) {
            if (host_seen) continue;
            host_seen = true;
            headers.push_back({h.name, info.host});
            continue;
        }
        headers.push_back({h.name, h.value});
    }
    if (!host_seen && !info.host.empty()) headers.push_back({"host", info.host});
    r.method = req.method;
    r.raw_path = req.path;
    r.query = req.query;
    r.http10 = req.version == http::Version::http10;
    r.headers = headers;
    r.scheme = info.url_scheme;
    r.client_host = info.remote_addr;
    r.client_port = info.remote_port;
    r.server_host = info.local_addr;
    r.server_port = info.local_port;
    r.root_path = info.script_name;
    r.request_id = info.request_id;
}

}  // namespace paasrun::worker
