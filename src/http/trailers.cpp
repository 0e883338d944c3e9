#include "http/trailers.hpp"

#include "http/chars.hpp"
#include "http/field_list.hpp"

namespace paasrun::http {

bool accepts_trailers(const Request& request) {
    bool yes = false;
    for (const auto& h : request.headers()) {
        if (!iequals(h.name, "te")) continue;
        for_each_list_element(h.value, [&](std::string_view elem) {
            auto token = elem.substr(0, elem.find(';'));
            while (!token.empty() && chars::is_ows(token.back())) token.remove_suffix(1);
            if (iequals(token, "trailers")) yes = true;
        });
    }
    return yes;
}

std::size_t append_trailer_fields(std::span<const Header> fields, std::string& out) {
    std::size_t skipped = 0;
    for (const auto& f : fields) {
        bool ok = !f.name.empty();
        for (char c : f.name) ok = ok && chars::is_token(c);
        const char* end = f.value.data() + f.value.size();
        ok = ok && chars::skip_field_value(f.value.data(), end) == end;
        if (!ok) {
            ++skipped;
            continue;
        }
        out.append(f.name);
        out.append(": ");
        out.append(f.value);
        out.append("\r\n");
    }
    return skipped;
}

}  // namespace paasrun::http
