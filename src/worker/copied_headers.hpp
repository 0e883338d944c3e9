// An ASGI app's response headers, copied out of its Python objects at http.response.start
// (or websocket.http.response.start): the views the app handed over die with the call, and
// the head is only written later, with the first body bytes. One string holds every name and
// value; views into it are made when the head is written.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "asgi/exchange.hpp"
#include "http/request.hpp"

namespace paasrun::worker {

class CopiedHeaders {
public:
    /// Replaces what was held with copies of `headers`.
    void assign(std::span<const asgi::ResponseSink::Header> headers) {
        bytes_.clear();
        spans_.clear();
        for (const auto& h : headers) {
            std::size_t n = bytes_.size();
            bytes_.append(h.name);
            bytes_.append(h.value);
            spans_.push_back({n, h.name.size(), n + h.name.size(), h.value.size()});
        }
    }

    /// Appends views of the copies (valid while this object is unchanged) to `out`.
    void append_to(std::vector<http::Header>& out) const {
        std::string_view all(bytes_);
        for (const auto& s : spans_)
            out.push_back({all.substr(s[0], s[1]), all.substr(s[2], s[3])});
    }

private:
    std::string bytes_;
    std::vector<std::array<std::size_t, 4>> spans_;  // name off/len, value off/len
};

}  // namespace paasrun::worker
