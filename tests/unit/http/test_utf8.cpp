// Incremental UTF-8 validation: RFC 3629's ranges, Markus Kuhn's UTF-8 decoder stress test
// (the cases the Autobahn testsuite's section 6 sends), and splitting anywhere.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http/utf8.hpp"
#include "websocket_support.hpp"

using namespace paasrun::http;
using paasrun::http::ws::test::hex;

namespace {

// Valid in every split: the validator must agree with itself however the bytes arrive.
bool valid_in_every_split(const std::string& s) {
    for (std::size_t cut = 0; cut <= s.size(); ++cut) {
        Utf8Validator v;
        bool ok = v.feed(std::string_view(s).substr(0, cut)) &&
                  v.feed(std::string_view(s).substr(cut)) && v.complete();
        if (ok != is_valid_utf8(s)) return false;
    }
    // And one byte at a time.
    Utf8Validator v;
    bool ok = true;
    for (char c : s) ok = ok && v.feed(std::string_view(&c, 1));
    return (ok && v.complete()) == is_valid_utf8(s);
}

}  // namespace

TEST_CASE("utf8: valid text (Kuhn 1, 2.1-2.3, Autobahn 6.2, 6.5, 6.6, 6.7, 6.23)", "[utf8]") {
    const std::vector<std::string> valid = {
        "",
        "Hello-µ@ßöäüàá-UTF-8!!",
        hex("ce ba e1 bd b9 cf 83 ce bc ce b5"),  // κόσμε
        hex("00"),                                // first possible sequence of each length
        hex("c2 80"),
        hex("e0 a0 80"),
        hex("f0 90 80 80"),
        hex("7f"),  // last possible sequence of each length (within U+10FFFF)
        hex("df bf"),
        hex("ef bf bf"),
        hex("f4 8f bf bf"),
        hex("ed 9f bf"),  // other boundaries: U+D7FF, U+E000, U+FFFD, U+10FFFF
        hex("ee 80 80"),
        hex("ef bf bd"),
        hex("ef bf be"),  // noncharacters U+FFFE, U+FFFF are valid UTF-8 (Autobahn 6.23)
        hex("f0 9f 98 80 f0 9f 98 80"),
        std::string(100, 'a') + hex("e2 82 ac") + std::string(13, 'b'),  // past the fast path
    };
    for (const auto& s : valid) {
        INFO(s.size() << " bytes");
        CHECK(is_valid_utf8(s));
        CHECK(valid_in_every_split(s));
    }
}

TEST_CASE("utf8: invalid text (Kuhn 3-5, Autobahn 6.3, 6.4, 6.8-6.22)", "[utf8]") {
    const std::vector<std::string> invalid = {
        // 6.3.1: κόσμε with a surrogate in the middle
        hex("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64"),
        hex("f8 88 80 80 80"),     // 5-byte sequence
        hex("fc 84 80 80 80 80"),  // 6-byte sequence
        hex("f4 90 80 80"),        // above U+10FFFF
        hex("f7 bf bf bf"),
        hex("80"),  // unexpected continuation bytes
        hex("bf"),
        hex("80 bf"),
        hex("80 bf 80 bf 80 bf 80"),
        hex("c0 20"),  // lonely start characters
        hex("e0 20"),
        hex("f0 20"),
        hex("c2"),  // sequences with the last byte missing
        hex("e0 a0"),
        hex("f0 90 80"),
        hex("df"),
        hex("ef bf"),
        hex("f4 8f bf"),
        hex("fe"),  // impossible bytes
        hex("ff"),
        hex("fe fe ff ff"),
        hex("c0 af"),  // overlong "/"
        hex("e0 80 af"),
        hex("f0 80 80 af"),
        hex("c1 bf"),  // maximum overlong sequences
        hex("e0 9f bf"),
        hex("f0 8f bf bf"),
        hex("c0 80"),  // overlong NUL
        hex("e0 80 80"),
        hex("ed a0 80"),  // single UTF-16 surrogates
        hex("ed ad bf"),
        hex("ed ae 80"),
        hex("ed af bf"),
        hex("ed b0 80"),
        hex("ed be 80"),
        hex("ed bf bf"),
        hex("ed a0 80 ed b0 80"),  // paired surrogates
        hex("ed af bf ed bf bf"),
        std::string(40, 'a') + hex("e2 82"),       // cut at the end after the fast path
        std::string(17, 'a') + hex("80") + "abc",  // stray byte after an ASCII run
    };
    for (const auto& s : invalid) {
        INFO(s.size() << " bytes");
        CHECK_FALSE(is_valid_utf8(s));
        CHECK(valid_in_every_split(s));
    }
}

TEST_CASE("utf8: fails fast at the first bad byte and stays failed", "[utf8]") {
    Utf8Validator v;
    CHECK(v.feed(hex("ce ba e1 bd b9")));
    CHECK(v.feed(hex("cf")));  // a sequence split across pieces is fine so far
    CHECK_FALSE(v.complete());
    CHECK(v.feed(hex("83")));
    CHECK(v.complete());
    CHECK_FALSE(v.feed(hex("ed a0")));  // the surrogate is known at its second byte
    CHECK(v.failed());
    CHECK_FALSE(v.feed("plain ascii"));
    CHECK_FALSE(v.complete());
    v.reset();
    CHECK(v.feed("ok"));
    CHECK(v.complete());
}

TEST_CASE("utf8: prefix cuts on a code point boundary", "[utf8]") {
    const std::string s = "ab" + hex("e2 82 ac") + "c";  // ab€c
    CHECK(utf8_prefix(s, 10) == s);
    CHECK(utf8_prefix(s, 5) == "ab" + hex("e2 82 ac"));
    CHECK(utf8_prefix(s, 4) == "ab");
    CHECK(utf8_prefix(s, 3) == "ab");
    CHECK(utf8_prefix(s, 2) == "ab");
    CHECK(utf8_prefix(s, 0).empty());
}
