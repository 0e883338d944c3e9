// Helpers for the corpus tests: reading fixture files and decoding their byte encodings.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http/chunked_decoder.hpp"
#include "http/request_parser.hpp"

namespace paasrun::http::test {

inline std::string fixture_path(std::string_view rel) {
    return std::string(PAASRUN_FIXTURES) + "/" + std::string(rel);
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// JSON strings hold latin-1 text (code points 0-255); turn them back into those bytes.
inline std::string latin1_bytes(const std::string& utf8) {
    std::string out;
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if ((c & 0xe0) == 0xc0 && i + 1 < utf8.size()) {
            auto next = static_cast<unsigned char>(utf8[++i]);
            out += static_cast<char>(((c & 0x1f) << 6) | (next & 0x3f));
        } else {
            throw std::runtime_error("code point above U+00FF in a latin-1 fixture string");
        }
    }
    return out;
}

/// gunicorn's .http encoding (tests/requests/ in benoitc/gunicorn; tests/fixtures/corpora/
/// gunicorn-requests/SOURCE.txt): drop every real newline,
/// then turn the literal escapes \r \n \t \0 \xHH (and \\) into bytes.
inline std::string decode_gunicorn_http(std::string_view raw) {
    std::string text;
    for (char c : raw)
        if (c != '\n') text += c;
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 == text.size()) {
            out += text[i];
            continue;
        }
        char e = text[++i];
        switch (e) {
            case 'r':
                out += '\r';
                break;
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case '0':
                out += '\0';
                break;
            case '\\':
                out += '\\';
                break;
            case 'x': {
                if (i + 2 >= text.size()) throw std::runtime_error("truncated \\x escape");
                out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
                i += 2;
                break;
            }
            default:
                out += '\\';
                out += e;
        }
    }
    return out;
}

/// One request parsed from a byte stream: head, then the body per its framing.
struct Parsed {
    ParseStatus status = ParseStatus::incomplete;
    ParseError error = ParseError::none;
    Request request;
    std::string body;
    std::size_t consumed = 0;  // head + body bytes
};

/// Parses one request (head and body) from the start of `bytes`.
inline Parsed parse_one(std::string_view bytes, const Limits& limits = {}) {
    Parsed p;
    auto head = parse_request_head(bytes, p.request, limits);
    p.status = head.status;
    p.error = head.error;
    if (head.status != ParseStatus::complete) return p;
    auto rest = bytes.substr(head.consumed);
    p.consumed = head.consumed;
    switch (p.request.framing) {
        case BodyFraming::none:
            return p;
        case BodyFraming::content_length:
            if (rest.size() < p.request.content_length) {
                p.status = ParseStatus::incomplete;
                return p;
            }
            p.body = std::string(rest.substr(0, p.request.content_length));
            p.consumed += p.request.content_length;
            return p;
        case BodyFraming::chunked: {
            ChunkedDecoder dec(limits);
            std::size_t used = 0;
            p.status = dec.decode_append(rest, p.body, used, p.error);
            p.consumed += used;
            return p;
        }
    }
    return p;
}

}  // namespace paasrun::http::test
