#include "static_files/request_view.hpp"

namespace paasrun::static_files {
namespace {

void keep_first(std::string_view& slot, std::string_view value) {
    if (slot.empty()) slot = value;
}

}  // namespace

RequestView RequestView::from(const http::Request& r) noexcept {
    RequestView v;
    v.method = r.method;
    v.path = r.path;
    v.query = r.query;
    for (const auto& h : r.headers()) {
        switch (h.name.size()) {
            case 5:
                if (http::iequals(h.name, "range")) keep_first(v.range, h.value);
                break;
            case 8:
                if (http::iequals(h.name, "if-range")) keep_first(v.if_range, h.value);
                break;
            case 13:
                if (http::iequals(h.name, "if-none-match")) keep_first(v.if_none_match, h.value);
                break;
            case 15:
                if (http::iequals(h.name, "accept-encoding"))
                    keep_first(v.accept_encoding, h.value);
                break;
            case 17:
                if (http::iequals(h.name, "if-modified-since"))
                    keep_first(v.if_modified_since, h.value);
                break;
            default:
                break;
        }
    }
    return v;
}

}  // namespace paasrun::static_files
