// gunicorn's request corpus (tests/fixtures/corpora/gunicorn-requests, MIT) at parser level:
// every valid case parses to gunicorn's expected method, target, version, headers and body
// (pipelined ones too); every invalid case is refused. Cases where paasrun is deliberately
// stricter, or which need a gunicorn-only feature, are listed below with the reason and also
// in docs/http.md; a listed case must still behave as the list says, so the list cannot rot.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "corpus_support.hpp"

using namespace paasrun::http;
using namespace paasrun::http::test;

namespace {

// Valid in gunicorn, refused by paasrun on purpose (request smuggling hardening, RFC 9112).
const std::map<std::string, std::string> kStricter = {
    {"valid/009", "Transfer-Encoding: identity together with Content-Length (RFC 9112 6.3: 400)"},
    {"valid/025",
     "Transfer-Encoding: gzip, chunked: paasrun does not decode gzip (RFC 9112 6.1: 501)"},
    {"valid/025_line", "Transfer-Encoding: gzip, chunked: paasrun does not decode gzip (501)"},
    {"valid/rfc9112_smuggle_gzip_chunked_01", "gzip before chunked: not decoded (501)"},
    {"valid/rfc9112_smuggle_te_identity_chunked_01",
     "identity before chunked: an obsolete coding, not understood (501)"},
    {"valid/029", "Transfer-Encoding: identity then chunked: identity is not understood (501)"},
    {"valid/030", "Transfer-Encoding: identity then chunked: identity is not understood (501)"},
    {"valid/rfc9112_target_absolute_userinfo_01",
     "userinfo in an http URI (RFC 9110 4.2.4: treat its presence as an error)"},
};

// Cases that need gunicorn-only options or that are not the parser's job.
const std::map<std::string, std::string> kSkipped = {
    {"valid/099", "truncated upstream: Content-Length 17914 but the file holds fewer body bytes"},
    {"valid/028", "strip_header_spaces: whitespace before the colon is always refused"},
    {"valid/031compat", "permit_unconventional_http_method/casefold_http_method: no such options"},
    {"valid/031compat2", "permit_unconventional_http_method: no such option"},
    {"valid/040_compat", "header_map=dangerous: names with '_' are always dropped (CVE-2015-0219)"},
    {"valid/compat_obs_fold", "permit_obsolete_folding: obs-fold is always refused"},
    {"valid/compat_obs_fold_huge", "permit_obsolete_folding: obs-fold is always refused"},
    {"valid/pp_01", "proxy_protocol: PROXY protocol is not supported"},
    {"valid/pp_02", "proxy_protocol: PROXY protocol is not supported"},
    {"valid/pp_03", "proxy_protocol: PROXY protocol is not supported"},
    {"valid/pp_04", "proxy_protocol: PROXY protocol is not supported"},
    {"valid/pp_05", "proxy_protocol: PROXY protocol is not supported"},
    {"invalid/019", "forwarded_allow_ips: scheme headers are the worker's job, not the parser's"},
    {"invalid/040", "header_map=refuse: names with '_' are dropped, not refused"},
    {"invalid/chunked_07", "header_map=refuse: names with '_' are dropped, not refused"},
};

// gunicorn's limits, mapped to ours: its defaults (request line 4094, field 8190, 100 fields)
// apply when a case sets nothing, 0 means "the default", and its field size counts the CRLF
// while Limits::max_field_size does not.
// Invalid cases whose bytes simply stop before the request is complete: a server refuses them
// when the connection ends or the read deadline passes, so "incomplete" is the right answer.
const std::map<std::string, std::string> kTruncated = {
    {"invalid/001", "empty input"},
    {"invalid/rfc9112_chunked_missing_final_crlf_01", "the chunked body never ends"},
};

Limits limits_for(const nlohmann::json& cfg) {
    auto get = [&](const char* key, std::size_t fallback) {
        if (!cfg.contains(key) || cfg[key].get<long>() <= 0) return fallback;
        return cfg[key].get<std::size_t>();
    };
    Limits l;
    l.max_request_line = get("limit_request_line", 4094);
    l.max_header_fields = get("limit_request_fields", 100);
    l.max_field_size = get("limit_request_field_size", 8190) - 2;
    return l;
}

std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

// Valid in gunicorn, refused by RFC 9110/9112 rules that apply to every case alike (so they
// are rules, not a list): an HTTP/1.1 request without Host (RFC 9112 3.2: MUST be 400; 26
// cases), raw bytes >= 0x80 in the target (a URI is ASCII; valid/027), and CONNECT (405: not a
// proxy; the two authority-form cases). The case must be refused with exactly that error.
ParseError rfc_refusal(const nlohmann::json& want) {
    auto uri = latin1_bytes(want["uri"]);
    if (std::any_of(uri.begin(), uri.end(),
                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
        return ParseError::bad_target;
    bool host = std::any_of(want["headers"].begin(), want["headers"].end(),
                            [](const nlohmann::json& h) { return h[0] == "HOST"; });
    if (want["version"][0] == 1 && want["version"][1] == 1 && !host)
        return ParseError::missing_host;
    if (want["method"] == "CONNECT") return ParseError::connect_refused;
    return ParseError::none;
}

// Parses every request in `bytes` and compares with gunicorn's expectation; returns an
// empty string on success, else what differed. A request that rfc_refusal() refuses must be
// refused with that error; the connection ends there.
std::string check_valid(const std::string& bytes, const nlohmann::json& expected,
                        const Limits& limits) {
    std::string_view rest = bytes;
    for (const auto& want : expected) {
        auto got = parse_one(rest, limits);
        if (auto refusal = rfc_refusal(want); refusal != ParseError::none) {
            if (got.status == ParseStatus::error && got.error == refusal) return {};
            return "not refused with " + std::string(describe(refusal)) + ": " +
                   std::string(describe(got.error));
        }
        if (got.status != ParseStatus::complete)
            return "not complete: " + std::string(describe(got.error));
        const Request& r = got.request;
        if (r.method != latin1_bytes(want["method"])) return "method " + std::string(r.method);
        if (r.target != latin1_bytes(want["uri"])) return "uri " + std::string(r.target);
        int minor = r.version == Version::http11 ? 1 : 0;
        if (want["version"][0] != 1 || want["version"][1] != minor) return "version";
        auto headers = r.headers();
        if (headers.size() != want["headers"].size())
            return "header count " + std::to_string(headers.size());
        for (std::size_t i = 0; i < headers.size(); ++i) {
            if (upper(headers[i].name) != latin1_bytes(want["headers"][i][0]))
                return "header name " + std::string(headers[i].name);
            if (headers[i].value != latin1_bytes(want["headers"][i][1]))
                return "header value " + std::string(headers[i].value);
        }
        if (got.body != latin1_bytes(want["body"])) return "body " + got.body;
        rest.remove_prefix(got.consumed);
    }
    return {};
}

}  // namespace

TEST_CASE("gunicorn corpus: valid requests parse as gunicorn expects, invalid ones are refused",
          "[http][corpus]") {
    auto cases =
        nlohmann::json::parse(read_file(fixture_path("corpora/gunicorn-requests/expected.json")));
    REQUIRE(cases.size() > 130);
    int checked = 0;
    for (const auto& [name, expected] : cases.items()) {
        if (kSkipped.count(name)) continue;
        auto bytes = decode_gunicorn_http(
            read_file(fixture_path("corpora/gunicorn-requests/" + name + ".http")));
        auto limits = limits_for(expected["cfg"]);
        INFO(name);
        ++checked;
        if (name.rfind("valid/", 0) == 0 && !kStricter.count(name)) {
            CHECK(check_valid(bytes, expected["requests"], limits) == "");
            continue;
        }
        // Invalid (or refused on purpose): the head or the body must fail with an error;
        // pipelined requests before the bad one may parse.
        std::string_view rest = bytes;
        ParseStatus last = ParseStatus::complete;
        for (int i = 0; i < 8; ++i) {
            auto got = parse_one(rest, limits);
            last = got.status;
            if (got.status != ParseStatus::complete || got.consumed == rest.size()) break;
            rest.remove_prefix(got.consumed);
        }
        CHECK(last == (kTruncated.count(name) ? ParseStatus::incomplete : ParseStatus::error));
    }
    CHECK(checked == static_cast<int>(cases.size() - kSkipped.size()));
}
