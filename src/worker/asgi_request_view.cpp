#include "worker/asgi_request_view.hpp"

#include "http/request.hpp"

namespace paasrun::worker {

void fill_request_view(const RequestInfo& info, std::vector<wsgi::Header>& headers,
                       asgi::RequestView& r) {
    const auto& req = *info.head;
    headers.clear();
    bool host_seen = false;
    bool id_seen = false;
    for (const auto& h : req.headers()) {
        if (http::iequals(h.name, "Host")) {
            if (host_seen) continue;
            host_seen = true;
            headers.push_back({h.name, info.host});
            continue;
        }
        // The id the front end kept or made replaces the client's (an invalid one was not
        // kept), as in the WSGI environ's HTTP_X_REQUEST_ID: the app logs the same id as the
        // access log and the response. One field, never the client's and ours.
        if (http::iequals(h.name, "X-Request-Id") && !info.request_id.empty()) {
            if (id_seen) continue;
            id_seen = true;
            headers.push_back({h.name, info.request_id});
            continue;
        }
        headers.push_back({h.name, h.value});
    }
    if (!host_seen && !info.host.empty()) headers.push_back({"host", info.host});
    if (!id_seen && !info.request_id.empty()) headers.push_back({"x-request-id", info.request_id});
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
