// libFuzzer target: request-head parsing and chunked-body decoding (src/http).
// Seeds: tests/fixtures/fuzz/http_request/ (h2o's http1 corpus) + http_request.dict.
//
// Beyond "no crash, no UB" it checks the parsers' contracts:
// - a complete head consumed at most the input, and every view points into the input;
// - the parser is incremental: any shorter prefix of a complete head is "incomplete", and an
//   error on a prefix stays an error on the whole input;
// - the chunked decoder gives the same body and status whether fed whole or in two pieces;
// - the response writer accepts the parsed headers (they passed the stricter request rules).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/chunked_decoder.hpp"
#include "http/percent.hpp"
#include "http/request_parser.hpp"
#include "http/response_writer.hpp"

namespace {

using namespace paasrun::http;

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
    if (part.empty()) return true;
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

struct Decoded {
    ParseStatus status;
    std::string body;
    std::size_t consumed;
};

Decoded decode(std::string_view in, std::size_t split, const Limits& limits) {
    ChunkedDecoder dec(limits);
    Decoded d{ParseStatus::incomplete, {}, 0};
    ParseError err{};
    std::size_t used = 0;
    d.status = dec.decode_append(in.substr(0, split), d.body, used, err);
    d.consumed = used;
    if (d.status == ParseStatus::incomplete && split < in.size()) {
        d.status = dec.decode_append(in.substr(split), d.body, used, err);
        d.consumed += used;
    }
    return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    Limits limits;
    limits.max_request_line = 1024;  // small limits reach the 414/431 paths with small inputs
    limits.max_field_size = 512;
    limits.max_header_fields = 16;
    limits.max_body = 1 << 16;
    limits.max_trailer_size = 256;

    static Request req;  // static: 4 KiB of header slots, no need to rebuild each run
    auto r = parse_request_head(in, req, limits);
    if (r.status == ParseStatus::error) check(status_for(r.error) >= 400);
    if (r.status != ParseStatus::complete) return 0;

    check(r.consumed <= in.size());
    std::string_view head = in.substr(0, r.consumed);
    for (auto v : {req.method, req.target, req.query, req.fragment}) check(inside(v, head));
    check(req.path == "/" || inside(req.path, head));
    for (const auto& h : req.headers()) check(inside(h.name, head) && inside(h.value, head));
    if (r.consumed > 1) {
        static Request partial;
        auto p = parse_request_head(in.substr(0, r.consumed - 1), partial, limits);
        check(p.status == ParseStatus::incomplete);
    }

    std::string decoded_path;
    percent_decode(req.path, decoded_path);

    ResponseSpec spec;
    spec.headers = req.headers();
    spec.version = req.version;
    std::string out;
    ResponsePlan plan;
    // Request field values never hold CR/LF/NUL, but Content-Length-like names may hold
    // non-numeric values the writer must refuse; either way nothing may crash.
    (void)write_response_head(spec, out, plan);

    if (req.framing == BodyFraming::chunked) {
        auto body = in.substr(r.consumed);
        auto whole = decode(body, body.size(), limits);
        auto split = decode(body, body.size() / 2, limits);
        check(whole.status == split.status);
        if (whole.status != ParseStatus::error) {
            check(whole.body == split.body);
            check(whole.consumed == split.consumed);
            check(whole.body.size() <= limits.max_body);
        }
    }
    return 0;
}
