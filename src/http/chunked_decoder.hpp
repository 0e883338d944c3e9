// Incremental decoder for the chunked transfer coding (RFC 9112 section 7.1).
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-ext    = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )
//
// Feed it the bytes that follow the head, in pieces of any size. It keeps its own state
// between calls, so it never needs the caller to keep a partial chunk-size line around: every
// call consumes all the bytes it can. Chunk data is returned as views into the input (no
// copy); decode_append() is the convenience loop that appends the data to a string.
//
// Strictness: a chunk-size must be 1..16 hex digits and fit in uint64; extensions are checked
// for syntax and ignored; every line ends in CRLF (bare CR or LF -> error); trailer fields are
// checked like head fields (token name, no whitespace before the colon, no obs-fold, no CTL),
// then discarded: PEP 3333 has no place for them. Trailer fields that would change framing,
// routing or connection handling (Content-Length, Transfer-Encoding, Host, ...; RFC 9110
// 6.5.1) are refused, since a proxy in front might merge them into the head. The running body size
// is checked against Limits::max_body before the data arrives (-> body_too_large, 413).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/errors.hpp"
#include "http/limits.hpp"
#include "http/request_parser.hpp"

namespace paasrun::http {

class ChunkedDecoder {
public:
    explicit ChunkedDecoder(const Limits& limits = {}) noexcept
        : max_body_(limits.max_body), max_trailer_(limits.max_trailer_size) {}

    struct Step {
        ParseStatus status = ParseStatus::incomplete;  // complete: the body has ended
        ParseError error = ParseError::none;
        std::size_t consumed = 0;  // input bytes used by this call
        std::string_view data;     // decoded body bytes (a view into the input), maybe empty
    };

    /// Consumes input until it has one piece of chunk data to return, the body ends, an error
    /// occurs, or the input runs out. Call again with input.substr(step.consumed) while the
    /// status is incomplete and input remains. After `complete`, the remaining input belongs
    /// to the next request on the connection (pipelining).
    [[nodiscard]] Step next(std::string_view input) noexcept;

    /// Runs next() over all of `input`, appending decoded data to `body`. `consumed` gets the
    /// input bytes used (all of them unless the body completed or failed).
    [[nodiscard]] ParseStatus decode_append(std::string_view input, std::string& body,
                                            std::size_t& consumed, ParseError& error);

    [[nodiscard]] bool done() const noexcept { return state_ == State::done; }
    [[nodiscard]] std::uint64_t body_size() const noexcept { return total_; }
    /// Back to the initial state for the next request (limits kept).
    void reset() noexcept;

private:
    enum class State : std::uint8_t {
        size,            // reading hex digits
        size_ws,         // BWS after the size, before ';' or CR
        ext_name_start,  // after ';' (BWS allowed)
        ext_name,
        ext_after_name,   // BWS after a name: ';', '=' or CR
        ext_value_start,  // after '=' (BWS allowed)
        ext_token_value,
        ext_quoted,
        ext_quoted_escape,
        ext_after_value,  // BWS after a value: ';' or CR
        size_lf,          // saw CR at the end of the chunk line
        data,
        data_cr,
        data_lf,
        trailer_line_start,  // at the start of a trailer field line or the final CRLF
        trailer_name,
        trailer_value,
        trailer_lf,  // saw CR ending a trailer field line
        final_lf,    // saw CR of the final empty line
        done,
        failed,
    };

    Step fail(ParseError e, std::size_t consumed) noexcept;

    std::uint64_t max_body_;
    std::size_t max_trailer_;
    State state_ = State::size;
    std::uint64_t chunk_left_ = 0;  // data bytes left in the current chunk
    std::uint64_t total_ = 0;       // decoded bytes so far
    unsigned size_digits_ = 0;
    std::size_t trailer_bytes_ = 0;
    std::size_t line_bytes_ = 0;  // length of the current chunk-size line (bounded)
    ParseError last_error_ = ParseError::none;
    // The current trailer field name, kept only as long as the longest forbidden name.
    static constexpr std::size_t kTrailerNameKept = 17;
    char trailer_name_[kTrailerNameKept] = {};
    std::size_t trailer_name_len_ = 0;
};

}  // namespace paasrun::http
