#include "http/chunked_decoder.hpp"

#include <algorithm>

#include "http/chars.hpp"

namespace paasrun::http {
namespace {

using chars::is_ows;
using chars::is_token;

// A chunk-size line (size + extensions) longer than this is refused: extensions carry
// nothing we use, and an unbounded line would let a client stream bytes that are never body.
constexpr std::size_t kMaxChunkLine = 4096;
// 16 hex digits always fit in uint64; a 17th (even a leading zero) is refused.
constexpr unsigned kMaxSizeDigits = 16;

// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 5.6.4)
constexpr bool is_qdtext(unsigned char c) {
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
           (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}
// Fields a sender must not put in a trailer (RFC 9110 6.5.1) and that would matter if a
// proxy merged the trailer into the head: framing, routing and connection controls.
// (Content-Type is allowed: gunicorn's corpus sends it, and discarded trailers cannot
// change the body's meaning here.)
bool is_forbidden_trailer(std::string_view name) {
    static constexpr std::string_view kForbidden[] = {
        "content-length", "transfer-encoding", "trailer", "host",
        "connection",     "keep-alive",        "te",      "upgrade",
        "expect"};
    for (auto f : kForbidden)
        if (iequals(name, f)) return true;
    return false;
}

constexpr bool is_field_value(char c) {
    return chars::kFieldValue[static_cast<unsigned char>(c)];
}

}  // namespace

void ChunkedDecoder::reset() noexcept {
    state_ = State::size;
    chunk_left_ = 0;
    total_ = 0;
    size_digits_ = 0;
    trailer_bytes_ = 0;
    line_bytes_ = 0;
}

ChunkedDecoder::Step ChunkedDecoder::fail(ParseError e, std::size_t consumed) noexcept {
    state_ = State::failed;
    last_error_ = e;
    return {ParseStatus::error, e, consumed, {}};
}

ChunkedDecoder::Step ChunkedDecoder::next(std::string_view in) noexcept {
    if (state_ == State::done) return {ParseStatus::complete, ParseError::none, 0, {}};
    if (state_ == State::failed) return {ParseStatus::error, last_error_, 0, {}};
    std::size_t i = 0;
    while (i < in.size()) {
        if (state_ == State::data) {
            auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, in.size() - i));
            chunk_left_ -= n;
            total_ += n;
            if (chunk_left_ == 0) state_ = State::data_cr;
            return {ParseStatus::incomplete, ParseError::none, i + n, in.substr(i, n)};
        }
        const char c = in[i++];
        if (state_ < State::size_lf && ++line_bytes_ > kMaxChunkLine)
            return fail(ParseError::bad_chunk_extension, i);
        if (state_ >= State::trailer_line_start && state_ <= State::final_lf &&
            ++trailer_bytes_ > max_trailer_)
            return fail(ParseError::trailer_too_large, i);

        switch (state_) {
            case State::size: {
                int h = chars::hex_value(c);
                if (h >= 0) {
                    if (++size_digits_ > kMaxSizeDigits)
                        return fail(ParseError::chunk_size_overflow, i);
                    chunk_left_ = (chunk_left_ << 4) | static_cast<std::uint64_t>(h);
                    break;
                }
                if (size_digits_ == 0) return fail(ParseError::bad_chunk_size, i);
                if (c == ';')
                    state_ = State::ext_name_start;
                else if (is_ows(c))
                    state_ = State::size_ws;
                else if (c == '\r')
                    state_ = State::size_lf;
                else if (c == '\n')
                    return fail(ParseError::bad_chunk_crlf, i);
                else
                    return fail(ParseError::bad_chunk_size, i);
                break;
            }
            case State::size_ws:  // BWS is only allowed before ';' (RFC 9112 7.1.1)
                if (c == ';')
                    state_ = State::ext_name_start;
                else if (!is_ows(c))
                    return fail(ParseError::bad_chunk_extension, i);
                break;
            case State::ext_name_start:
                if (is_token(c))
                    state_ = State::ext_name;
                else if (!is_ows(c))
                    return fail(ParseError::bad_chunk_extension, i);
                break;
            case State::ext_name:
                if (is_token(c)) break;
                if (c == '=')
                    state_ = State::ext_value_start;
                else if (c == ';')
                    state_ = State::ext_name_start;
                else if (is_ows(c))
                    state_ = State::ext_after_name;
                else if (c == '\r')
                    state_ = State::size_lf;
                else
                    return fail(ParseError::bad_chunk_extension, i);
                break;
            case State::ext_after_name:
                if (c == '=')
                    state_ = State::ext_value_start;
                else if (c == ';')
                    state_ = State::ext_name_start;
                else if (c == '\r')
                    state_ = State::size_lf;
                else if (!is_ows(c))
                    return fail(ParseError::bad_chunk_extension, i);
                break;
            case State::ext_value_start:
                if (c == '"')
                    state_ = State::ext_quoted;
                else if (is_token(c))
                    state_ = State::ext_token_value;
                else if (!is_ows(c))
                    return fail(ParseError::bad_chunk_extension, i);
                break;
            case State::ext_token_value:
                if (is_token(c)) break;
                if (c == ';')
                    state_ = State::ext_name_start;
                else if (is_ows(c))
                    state_ = State::ext_after_value;
                else if (c == '\r')
                    state_ = State::size_lf;
                else
                    return fail(ParseError::bad_chunk_extension, i);
                break;
            case State::ext_quoted:
                if (c == '"')
                    state_ = State::ext_after_value;
                else if (c == '\\')
                    state_ = State::ext_quoted_escape;
                else if (!is_qdtext(static_cast<unsigned char>(c)))
                    return fail(ParseError::bad_chunk_extension, i);
                break;
            case State::ext_quoted_escape:  // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                if (!is_field_value(c)) return fail(ParseError::bad_chunk_extension, i);
                state_ = State::ext_quoted;
                break;
            case State::ext_after_value:
                if (c == ';')
                    state_ = State::ext_name_start;
                else if (c == '\r')
                    state_ = State::size_lf;
                else if (!is_ows(c))
                    return fail(ParseError::bad_chunk_extension, i);
                break;
            case State::size_lf:
                if (c != '\n') return fail(ParseError::bad_chunk_crlf, i);
                if (chunk_left_ == 0) {
                    state_ = State::trailer_line_start;
                    break;
                }
                // Refuse before the data arrives (413), and never let total_ overflow.
                if (chunk_left_ > max_body_ - std::min(total_, max_body_))
                    return fail(ParseError::body_too_large, i);
                state_ = State::data;
                break;
            case State::data_cr:
                if (c != '\r') return fail(ParseError::bad_chunk_crlf, i);
                state_ = State::data_lf;
                break;
            case State::data_lf:
                if (c != '\n') return fail(ParseError::bad_chunk_crlf, i);
                state_ = State::size;
                size_digits_ = 0;
                line_bytes_ = 0;
                break;
            case State::trailer_line_start:
                if (c == '\r')
                    state_ = State::final_lf;
                else if (is_token(c)) {
                    state_ = State::trailer_name;
                    trailer_name_[0] = c;
                    trailer_name_len_ = 1;
                } else {
                    return fail(ParseError::bad_trailer, i);  // obs-fold, bare LF, CTL
                }
                break;
            case State::trailer_name:
                if (c == ':') {
                    if (trailer_name_len_ <= kTrailerNameKept &&
                        is_forbidden_trailer({trailer_name_, trailer_name_len_}))
                        return fail(ParseError::forbidden_trailer, i);
                    state_ = State::trailer_value;
                } else if (!is_token(c)) {
                    return fail(ParseError::bad_trailer, i);
                } else if (trailer_name_len_ < kTrailerNameKept) {
                    trailer_name_[trailer_name_len_++] = c;
                } else {
                    trailer_name_len_ = kTrailerNameKept + 1;  // longer than any forbidden name
                }
                break;
            case State::trailer_value:
                if (c == '\r')
                    state_ = State::trailer_lf;
                else if (!is_field_value(c))
                    return fail(ParseError::bad_trailer, i);
                break;
            case State::trailer_lf:
                if (c != '\n') return fail(ParseError::bad_trailer, i);
                state_ = State::trailer_line_start;
                break;
            case State::final_lf:
                if (c != '\n') return fail(ParseError::bad_chunk_crlf, i);
                state_ = State::done;
                return {ParseStatus::complete, ParseError::none, i, {}};
            case State::data:
            case State::done:
            case State::failed:
                break;  // handled above the switch
        }
    }
    return {ParseStatus::incomplete, ParseError::none, i, {}};
}

ParseStatus ChunkedDecoder::decode_append(std::string_view input, std::string& body,
                                          std::size_t& consumed, ParseError& error) {
    consumed = 0;
    error = ParseError::none;
    for (;;) {
        auto step = next(input.substr(consumed));
        consumed += step.consumed;
        body.append(step.data);
        if (step.status == ParseStatus::error) {
            error = step.error;
            return ParseStatus::error;
        }
        if (step.status == ParseStatus::complete) return ParseStatus::complete;
        if (consumed == input.size()) return ParseStatus::incomplete;
    }
}

}  // namespace paasrun::http
