// Incremental UTF-8 validation (RFC 3629), for WebSocket text messages (RFC 6455 8.1).
//
// A text message may arrive in any number of frames and reads, split anywhere, even inside a
// code point; Utf8Validator keeps the few bits of state a split sequence needs, so each piece
// is checked once, as it arrives, and an invalid byte is reported at once ("fail fast", which
// the Autobahn testsuite's case 6.x expects) rather than when the message ends.
//
// Strict RFC 3629: no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no surrogates
// (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF), no stray continuation bytes. These
// are the ranges of RFC 3629 section 4's table, checked byte by byte with the allowed range
// of the next byte as the state; runs of ASCII are skipped 8 bytes at a time.
#pragma once

#include <cstdint>
#include <string_view>

namespace paasrun::http {

class Utf8Validator {
public:
    /// Checks the next bytes of the text. False as soon as a byte cannot continue valid
    /// UTF-8 (the validator then stays failed until reset()). True means "valid so far":
    /// the text may still end inside a code point; complete() tells.
    [[nodiscard]] bool feed(std::string_view bytes) noexcept;
    /// True when everything fed so far is valid and ends on a code point boundary: the
    /// check for the end of a message.
    [[nodiscard]] bool complete() const noexcept { return !failed_ && need_ == 0; }
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    void reset() noexcept { *this = Utf8Validator{}; }

private:
    std::uint8_t need_ = 0;   // continuation bytes still expected in the current sequence
    std::uint8_t lo_ = 0x80;  // allowed range of the next continuation byte
    std::uint8_t hi_ = 0xbf;
    bool failed_ = false;
};

/// Whether `text` is complete, valid UTF-8 (close reasons, one-frame messages).
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

/// The longest prefix of `text` no longer than `max` bytes that does not cut a code point
/// (for truncating a close reason to 123 bytes). `text` must be valid UTF-8.
[[nodiscard]] std::string_view utf8_prefix(std::string_view text, std::size_t max) noexcept;

}  // namespace paasrun::http
