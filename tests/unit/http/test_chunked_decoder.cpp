// Chunked body decoder (RFC 9112 7.1): syntax, extensions, trailers, limits, incremental use.
#include <catch2/catch.hpp>
#include <string>

#include "http/chunked_decoder.hpp"

using namespace paasrun::http;

namespace {

struct Outcome {
    ParseStatus status;
    ParseError error;
    std::string body;
    std::size_t consumed;
};

Outcome decode(std::string_view in, const Limits& limits = {}) {
    ChunkedDecoder dec(limits);
    Outcome o{};
    o.status = dec.decode_append(in, o.body, o.consumed, o.error);
    return o;
}

ParseError error_of(std::string_view in, const Limits& limits = {}) {
    auto o = decode(in, limits);
    REQUIRE(o.status == ParseStatus::error);
    return o.error;
}

}  // namespace

TEST_CASE("chunked: a body with extensions and trailers decodes; the rest is left",
          "[http][chunked]") {
    std::string in =
        "5;name=value;flag\r\nhello\r\n"
        "6 ; q=\"a \\\"quoted\\\" ;x\"\r\n world\r\n"
        "A\r\n0123456789\r\n"
        "0\r\nX-Checksum: abc\r\nX-Other:\r\n\r\n"
        "GET /next";
    auto o = decode(in);
    REQUIRE(o.status == ParseStatus::complete);
    CHECK(o.body == "hello world0123456789");
    CHECK(o.consumed == in.size() - 9);
}

TEST_CASE("chunked: fed one byte at a time gives the same body", "[http][chunked]") {
    std::string in = "3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n";
    ChunkedDecoder dec;
    std::string body;
    ParseStatus last = ParseStatus::incomplete;
    for (std::size_t i = 0; i < in.size(); ++i) {
        auto step = dec.next(std::string_view(in).substr(i, 1));
        CHECK(step.consumed == 1);
        body.append(step.data);
        last = step.status;
        if (i + 1 < in.size()) REQUIRE(last == ParseStatus::incomplete);
    }
    CHECK(last == ParseStatus::complete);
    CHECK(body == "abc0123456789abcdef");
    CHECK(dec.done());
    CHECK(dec.body_size() == 19);
    // After the end the decoder consumes nothing more.
    auto after = dec.next("more");
    CHECK(after.status == ParseStatus::complete);
    CHECK(after.consumed == 0);
    dec.reset();
    CHECK_FALSE(dec.done());
}

TEST_CASE("chunked: chunk data is returned as views into the input", "[http][chunked]") {
    std::string in = "4\r\nabcd\r\n0\r\n\r\n";
    ChunkedDecoder dec;
    auto s1 = dec.next(in);
    CHECK(s1.data == "abcd");
    CHECK(s1.data.data() == in.data() + 3);
    CHECK(s1.consumed == 7);
}

TEST_CASE("chunked: bad chunk sizes", "[http][chunked]") {
    CHECK(error_of("\r\nabc\r\n") == ParseError::bad_chunk_size);
    CHECK(error_of("z\r\n") == ParseError::bad_chunk_size);
    CHECK(error_of("-1\r\n") == ParseError::bad_chunk_size);
    CHECK(error_of("+1\r\n") == ParseError::bad_chunk_size);
    CHECK(error_of("0x1\r\n") == ParseError::bad_chunk_size);
    CHECK(error_of("1x\r\na\r\n") == ParseError::bad_chunk_size);
    CHECK(error_of(" 1\r\na\r\n") == ParseError::bad_chunk_size);
    CHECK(error_of("fffffffffffffffff\r\n") == ParseError::chunk_size_overflow);  // 17 digits
    CHECK(error_of("00000000000000000\r\n") == ParseError::chunk_size_overflow);
    CHECK(status_for(ParseError::bad_chunk_size) == 400);
    // Upper-case hex and leading zeros within 16 digits are fine.
    CHECK(decode("0A\r\n0123456789\r\n000\r\n\r\n").body == "0123456789");
}

TEST_CASE("chunked: invalid chunk extensions", "[http][chunked]") {
    CHECK(error_of("1;\r\na\r\n0\r\n\r\n") == ParseError::bad_chunk_extension);
    CHECK(error_of("1;=v\r\na\r\n0\r\n\r\n") == ParseError::bad_chunk_extension);
    CHECK(error_of("1;a=\r\na\r\n0\r\n\r\n") == ParseError::bad_chunk_extension);
    CHECK(error_of("1;a=\"unterminated\r\na\r\n") == ParseError::bad_chunk_extension);
    CHECK(error_of("1;a=b c\r\na\r\n") == ParseError::bad_chunk_extension);
    CHECK(error_of("1;a\x01\r\na\r\n") == ParseError::bad_chunk_extension);
    CHECK(error_of("1 \r\na\r\n") == ParseError::bad_chunk_extension);  // BWS only before ';'
    CHECK(error_of("1;" + std::string(5000, 'a') + "\r\n") == ParseError::bad_chunk_extension);
    // valid forms
    CHECK(decode("1 ;a ; b = c ;d=\"\\\"\"\r\nx\r\n0\r\n\r\n").status == ParseStatus::complete);
}

TEST_CASE("chunked: missing or bare CR/LF", "[http][chunked]") {
    CHECK(error_of("1\na\r\n") == ParseError::bad_chunk_crlf);
    CHECK(error_of("1\rXa\r\n") == ParseError::bad_chunk_crlf);
    CHECK(error_of("1\r\nab\r\n") == ParseError::bad_chunk_crlf);  // data longer than its size
    CHECK(error_of("1\r\na\n0\r\n\r\n") == ParseError::bad_chunk_crlf);
    CHECK(error_of("1\r\na\rX") == ParseError::bad_chunk_crlf);
    CHECK(error_of("0\r\n\rX") == ParseError::bad_chunk_crlf);
    CHECK(error_of("0\r\n\n") == ParseError::bad_trailer);
}

TEST_CASE("chunked: trailer rules", "[http][chunked]") {
    CHECK(error_of("0\r\nA : b\r\n\r\n") == ParseError::bad_trailer);
    CHECK(error_of("0\r\nA: b\r\n c\r\n\r\n") == ParseError::bad_trailer);  // obs-fold
    CHECK(error_of("0\r\nA: b\nC: d\r\n\r\n") == ParseError::bad_trailer);
    CHECK(error_of("0\r\nA: \x01\r\n\r\n") == ParseError::bad_trailer);
    CHECK(error_of("0\r\nA: b\rX") == ParseError::bad_trailer);
    CHECK(error_of("0\r\nContent-Length: 5\r\n\r\n") == ParseError::forbidden_trailer);
    CHECK(error_of("0\r\ntransfer-encoding: chunked\r\n\r\n") == ParseError::forbidden_trailer);
    CHECK(error_of("0\r\nHost: x\r\n\r\n") == ParseError::forbidden_trailer);
    CHECK(decode("0\r\nContent-Length-Extra: 5\r\n\r\n").status == ParseStatus::complete);
    CHECK(decode("0\r\nContent-Type: text/plain\r\n\r\n").status == ParseStatus::complete);

    Limits l;
    l.max_trailer_size = 16;
    CHECK(decode("0\r\nA: 012345678\r\n\r\n", l).status == ParseStatus::complete);  // 16 bytes
    auto e = error_of("0\r\nA: 01234567890123456789\r\n\r\n", l);
    CHECK(e == ParseError::trailer_too_large);
    CHECK(status_for(e) == 431);
}

TEST_CASE("chunked: the body limit is enforced from the chunk size (413)", "[http][chunked]") {
    Limits l;
    l.max_body = 10;
    CHECK(decode("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", l).status == ParseStatus::complete);
    // Refused as soon as the size line arrives, before the data.
    auto e = error_of("5\r\nhello\r\n6\r\n", l);
    CHECK(e == ParseError::body_too_large);
    CHECK(status_for(e) == 413);
    CHECK(error_of("ffffffffffffffff\r\n") == ParseError::body_too_large);
}

TEST_CASE("chunked: after an error the decoder stays failed", "[http][chunked]") {
    ChunkedDecoder dec;
    auto s = dec.next("z");
    REQUIRE(s.status == ParseStatus::error);
    auto again = dec.next("1\r\na\r\n");
    CHECK(again.status == ParseStatus::error);
    CHECK(again.error == ParseError::bad_chunk_size);
}
