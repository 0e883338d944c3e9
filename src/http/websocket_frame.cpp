#include "http/websocket_frame.hpp"

#include <algorithm>
#include <cstring>

#include "http/utf8.hpp"

namespace paasrun::http::ws {
namespace {

constexpr bool is_known_opcode(std::uint8_t op) {
    return op <= 0x2 || (op >= 0x8 && op <= 0xa);
}

}  // namespace

std::size_t apply_mask(char* data, std::size_t size, const MaskKey& key,
                       std::size_t phase) noexcept {
    phase &= 3;
    // The key rotated to the phase, repeated over a word: byte i of the run gets
    // key[(phase + i) % 4], so whole words XOR with one constant.
    std::uint8_t rotated[8];
    for (std::size_t i = 0; i < 8; ++i) rotated[i] = key[(phase + i) & 3];
    std::uint64_t word_mask;
    std::memcpy(&word_mask, rotated, 8);
    std::size_t i = 0;
    // Two words per iteration; the compiler turns this into SSE2 XORs.
    for (; i + 16 <= size; i += 16) {
        std::uint64_t a, b;
        std::memcpy(&a, data + i, 8);
        std::memcpy(&b, data + i + 8, 8);
        a ^= word_mask;
        b ^= word_mask;
        std::memcpy(data + i, &a, 8);
        std::memcpy(data + i + 8, &b, 8);
    }
    for (; i + 8 <= size; i += 8) {
        std::uint64_t a;
        std::memcpy(&a, data + i, 8);
        a ^= word_mask;
        std::memcpy(data + i, &a, 8);
    }
    for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ rotated[i & 7]);
    return (phase + size) & 3;
}

FrameParser::Step FrameParser::fail(WsError e, std::size_t consumed) noexcept {
    failed_ = true;
    error_ = e;
    Step s;
    s.kind = Kind::error;
    s.error = e;
    s.consumed = consumed;
    return s;
}

// Everything the first two bytes decide, checked before the rest of the header arrives.
WsError FrameParser::check_first_bytes() const noexcept {
    const std::uint8_t b0 = raw_[0], b1 = raw_[1];
    const bool fin = b0 & 0x80, rsv1 = b0 & 0x40;
    const std::uint8_t op = b0 & 0x0f;
    if (b0 & 0x30) return WsError::reserved_bits;  // RSV2, RSV3: no extension defines them
    if (!is_known_opcode(op)) return WsError::reserved_opcode;
    const bool control = op & 0x8;
    // RSV1 is permessage-deflate's "compressed" bit: only on the first frame of a data
    // message, and only when the extension was negotiated (RFC 7692 6 and 6.1).
    if (rsv1 && (!allow_rsv1_ || control || op == 0)) return WsError::reserved_bits;
    if (require_mask_ && !(b1 & 0x80)) return WsError::unmasked_frame;
    if (control) {
        if (!fin) return WsError::control_fragmented;
        if ((b1 & 0x7f) > kMaxControlPayload) return WsError::control_too_long;
    }
    return WsError::none;
}

WsError FrameParser::finish_header() noexcept {
    const std::uint8_t b0 = raw_[0], b1 = raw_[1];
    header_.fin = b0 & 0x80;
    header_.rsv1 = b0 & 0x40;
    header_.opcode = static_cast<Opcode>(b0 & 0x0f);
    header_.masked = b1 & 0x80;
    std::uint64_t len = b1 & 0x7f;
    std::size_t pos = 2;
    if (len == 126) {
        len = (std::uint64_t{raw_[2]} << 8) | raw_[3];
        pos = 4;
        if (len < 126) return WsError::non_minimal_length;
    } else if (len == 127) {
        len = 0;
        for (std::size_t i = 2; i < 10; ++i) len = (len << 8) | raw_[i];
        pos = 10;
        if (len >> 63) return WsError::length_msb_set;
        if (len <= 0xffff) return WsError::non_minimal_length;
    }
    if (header_.masked)
        std::memcpy(header_.mask.data(), raw_.data() + pos, 4);
    else
        header_.mask = {};
    header_.length = len;
    return WsError::none;
}

FrameParser::Step FrameParser::next(char* data, std::size_t size) noexcept {
    if (failed_) return fail(error_, 0);
    std::size_t used = 0;
    if (!in_payload_) {
        // Collect the header: 2 bytes first (they say how long the rest is), then the rest.
        while (have_ < need_) {
            if (used == size) return {Kind::need_more, WsError::none, used, {}, {}, false};
            std::size_t take = std::min<std::size_t>(need_ - have_, size - used);
            std::memcpy(raw_.data() + have_, data + used, take);
            have_ = static_cast<std::uint8_t>(have_ + take);
            used += take;
            if (have_ == 2 && need_ == 2) {
                if (WsError e = check_first_bytes(); e != WsError::none) return fail(e, used);
                const std::uint8_t len7 = raw_[1] & 0x7f;
                need_ = static_cast<std::uint8_t>(2 +
                                                  (len7 == 126   ? 2
                                                   : len7 == 127 ? 8
                                                                 : 0) +
                                                  ((raw_[1] & 0x80) ? 4 : 0));
            }
        }
        if (WsError e = finish_header(); e != WsError::none) return fail(e, used);
        have_ = 0;
        need_ = 2;
        phase_ = 0;
        remaining_ = header_.length;
        in_payload_ = remaining_ != 0;
        Step s;
        s.kind = Kind::header;
        s.consumed = used;
        s.header = header_;
        s.frame_end = remaining_ == 0;
        return s;
    }
    if (size == 0) return {Kind::need_more, WsError::none, 0, {}, {}, false};
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size));
    if (header_.masked)
        phase_ = static_cast<std::uint8_t>(apply_mask(data, n, header_.mask, phase_));
    remaining_ -= n;
    in_payload_ = remaining_ != 0;
    Step s;
    s.kind = Kind::payload;
    s.consumed = n;
    s.data = std::string_view(data, n);
    s.frame_end = remaining_ == 0;
    return s;
}

EncodedHeader encode_frame_header(Opcode op, std::uint64_t length,
                                  const FrameOptions& options) noexcept {
    EncodedHeader h;
    auto* b = reinterpret_cast<unsigned char*>(h.bytes.data());
    b[0] = static_cast<unsigned char>((options.fin ? 0x80 : 0) | (options.rsv1 ? 0x40 : 0) |
                                      static_cast<std::uint8_t>(op));
    const unsigned char mask_bit = options.mask ? 0x80 : 0;
    std::size_t pos;
    if (length < 126) {
        b[1] = static_cast<unsigned char>(mask_bit | length);
        pos = 2;
    } else if (length <= 0xffff) {
        b[1] = mask_bit | 126;
        b[2] = static_cast<unsigned char>(length >> 8);
        b[3] = static_cast<unsigned char>(length);
        pos = 4;
    } else {
        b[1] = mask_bit | 127;
        for (int i = 0; i < 8; ++i) b[2 + i] = static_cast<unsigned char>(length >> (56 - 8 * i));
        pos = 10;
    }
    if (options.mask) {
        std::memcpy(b + pos, options.mask->data(), 4);
        pos += 4;
    }
    h.size = static_cast<std::uint8_t>(pos);
    return h;
}

bool append_frame(std::string& out, Opcode op, std::string_view payload,
                  const FrameOptions& options) {
    if (is_control(op) && payload.size() > kMaxControlPayload) return false;
    const auto header = encode_frame_header(op, payload.size(), options);
    const std::size_t start = out.size() + header.size;
    out.reserve(start + payload.size());
    out += header.view();
    out += payload;
    if (options.mask) apply_mask(out.data() + start, payload.size(), *options.mask);
    return true;
}

void append_close_frame(std::string& out, std::uint16_t code, std::string_view reason,
                        const MaskKey* mask) {
    char payload[kMaxControlPayload];
    std::size_t n = 0;
    if (code != 0) {
        payload[0] = static_cast<char>(code >> 8);
        payload[1] = static_cast<char>(code & 0xff);
        reason = utf8_prefix(reason, kMaxCloseReason);
        // An empty reason may be a default string_view, whose data() is null: memcpy's
        // arguments must not be null even for 0 bytes (UBSan stops the worker on it).
        if (!reason.empty()) std::memcpy(payload + 2, reason.data(), reason.size());
        n = 2 + reason.size();
    }
    FrameOptions options;
    options.mask = mask;
    append_frame(out, Opcode::close, std::string_view(payload, n), options);
}

}  // namespace paasrun::http::ws
