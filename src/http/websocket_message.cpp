#include "http/websocket_message.hpp"

#include <cstring>

namespace paasrun::http::ws {
namespace {

// A compressed message may be a little larger than its content (stored blocks add 5 bytes
// per 64 KiB): the announced compressed size gets this much slack over max_message before
// it is refused; the inflated size is then held to max_message exactly.
std::uint64_t compressed_limit(std::size_t max_message) {
    return std::uint64_t{max_message} + max_message / 64 + 64;
}

}  // namespace

MessageReader::MessageReader(const MessageLimits& limits, Inflater* inflater) noexcept
    : limits_(limits), inflater_(inflater), frames_(true, inflater != nullptr) {}

MessageReader::Event MessageReader::fail(WsError e, std::size_t consumed) {
    failed_ = true;
    error_ = e;
    Event ev;
    ev.kind = Kind::error;
    ev.error = e;
    ev.consumed = consumed;
    return ev;
}

WsError MessageReader::on_header(const FrameHeader& h) {
    frame_opcode_ = h.opcode;
    frame_fin_ = h.fin;
    frame_length_ = h.length;
    whole_frame_message_ = false;
    if (is_control(h.opcode)) {
        control_size_ = 0;
        return WsError::none;
    }
    if (h.opcode == Opcode::continuation) {
        if (!in_message_) return WsError::unexpected_continuation;
    } else {
        if (in_message_) return WsError::expected_continuation;
        in_message_ = true;
        message_opcode_ = h.opcode;
        compressed_ = h.rsv1;  // FrameParser allows RSV1 only with permessage-deflate
        received_ = 0;
        utf8_.reset();
        // The previous message's view is no longer in use: keep a small buffer for the next
        // one, give a large one back.
        if (message_.capacity() > kKeepBuffer)
            message_.release();
        else
            message_.clear();
        whole_frame_message_ = h.fin && !compressed_;
    }
    received_ += h.length;
    const std::uint64_t limit =
        compressed_ ? compressed_limit(limits_.max_message) : std::uint64_t{limits_.max_message};
    if (received_ > limit) return WsError::message_too_big;
    return WsError::none;
}

WsError MessageReader::on_data(std::string_view chunk) {
    const bool text = message_opcode_ == Opcode::text;
    if (compressed_) {
        const std::size_t before = message_.size();
        const WsError e = inflater_->feed(chunk, message_, limits_.max_message);
        // The text inflated before a zlib error is checked first, so the error does not
        // depend on how the reads split the message (zlib stops at the same byte either way).
        if (text && !utf8_.feed(message_.view().substr(before))) return WsError::invalid_utf8;
        return e;
    }
    // Validate before copying: an invalid byte fails the connection without buffering more.
    if (text && !utf8_.feed(chunk)) return WsError::invalid_utf8;
    message_.append(chunk, limits_.max_message);
    return WsError::none;
}

MessageReader::Event MessageReader::finish_message(std::size_t consumed) {
    const bool text = message_opcode_ == Opcode::text;
    if (compressed_) {
        const std::size_t before = message_.size();
        const WsError e = inflater_->finish(message_, limits_.max_message);
        if (text && !utf8_.feed(message_.view().substr(before)))
            return fail(WsError::invalid_utf8, consumed);
        if (e != WsError::none) return fail(e, consumed);
    }
    if (text && !utf8_.complete()) return fail(WsError::invalid_utf8, consumed);
    in_message_ = false;
    Event ev;
    ev.kind = Kind::message;
    ev.opcode = message_opcode_;
    ev.payload = message_.view();
    ev.consumed = consumed;
    return ev;
}

MessageReader::Event MessageReader::finish_control(std::size_t consumed) {
    Event ev;
    ev.consumed = consumed;
    const std::string_view payload(control_.data(), control_size_);
    switch (frame_opcode_) {
        case Opcode::ping:
            ev.kind = Kind::ping;
            ev.payload = payload;
            return ev;
        case Opcode::pong:
            ev.kind = Kind::pong;
            ev.payload = payload;
            return ev;
        default:
            break;
    }
    // Close (5.5.1): nothing, or a 2-byte code and a UTF-8 reason.
    if (payload.size() == 1) return fail(WsError::bad_close_payload, consumed);
    ev.kind = Kind::close;
    ev.close_code = close_code::no_status;
    if (payload.size() >= 2) {
        ev.close_code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                   static_cast<unsigned char>(payload[1]));
        if (!is_valid_close_code(ev.close_code)) return fail(WsError::invalid_close_code, consumed);
        ev.payload = payload.substr(2);
        if (!is_valid_utf8(ev.payload)) return fail(WsError::invalid_utf8, consumed);
    }
    closed_ = true;
    in_message_ = false;  // an unfinished message ends with the exchange: release() frees it
    return ev;
}

MessageReader::Event MessageReader::next(char* data, std::size_t size) {
    if (failed_) return fail(error_, 0);
    if (closed_) {
        // RFC 6455 5.5.1: nothing after the close frame is data; it is discarded.
        Event ev;
        ev.consumed = size;
        return ev;
    }
    std::size_t used = 0;
    for (;;) {
        const auto step = frames_.next(data + used, size - used);
        used += step.consumed;
        switch (step.kind) {
            case FrameParser::Kind::need_more: {
                Event ev;
                ev.consumed = used;
                return ev;
            }
            case FrameParser::Kind::error:
                return fail(step.error, used);
            case FrameParser::Kind::header:
                if (WsError e = on_header(step.header); e != WsError::none) return fail(e, used);
                if (step.frame_end) {
                    if (is_control(frame_opcode_)) return finish_control(used);
                    if (frame_fin_) return finish_message(used);
                    continue;
                }
                // Zero copy only when the whole payload is already here.
                whole_frame_message_ = whole_frame_message_ && size - used >= frame_length_;
                continue;
            case FrameParser::Kind::payload:
                break;
        }
        if (is_control(frame_opcode_)) {
            std::memcpy(control_.data() + control_size_, step.data.data(), step.data.size());
            control_size_ += step.data.size();
            if (step.frame_end) return finish_control(used);
            continue;
        }
        if (whole_frame_message_) {
            // One unfragmented, uncompressed frame, all here: deliver it from the input.
            if (message_opcode_ == Opcode::text && !is_valid_utf8(step.data))
                return fail(WsError::invalid_utf8, used);
            in_message_ = false;
            Event ev;
            ev.kind = Kind::message;
            ev.opcode = message_opcode_;
            ev.payload = step.data;
            ev.consumed = used;
            return ev;
        }
        if (WsError e = on_data(step.data); e != WsError::none) return fail(e, used);
        if (step.frame_end && frame_fin_) return finish_message(used);
    }
}

void MessageReader::release() noexcept {
    if (in_message_) return;
    message_.release();
    if (inflater_) inflater_->release();
}

WsError append_message(std::string& out, Opcode opcode, std::string_view payload,
                       Deflater* deflater) {
    if (!deflater) {
        append_frame(out, opcode, payload);
        return WsError::none;
    }
    // Compress straight into `out` after room for the longest server header (10 bytes), then
    // write the header and close the gap: one move of the (smaller) compressed bytes instead
    // of a scratch buffer.
    constexpr std::size_t kRoom = 10;
    const std::size_t start = out.size();
    out.append(kRoom, '\0');
    if (WsError e = deflater->compress(payload, out); e != WsError::none) {
        out.resize(start);
        return e;
    }
    const std::size_t length = out.size() - start - kRoom;
    FrameOptions options;
    options.rsv1 = true;
    const auto header = encode_frame_header(opcode, length, options);
    const std::size_t gap = kRoom - header.size;
    std::memcpy(out.data() + start + gap, header.bytes.data(), header.size);
    out.erase(start, gap);
    return WsError::none;
}

}  // namespace paasrun::http::ws
