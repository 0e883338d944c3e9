// permessage-deflate (RFC 7692): negotiating it in the handshake, and compressing and
// decompressing whole messages with zlib's raw DEFLATE.
//
// Negotiation (7.1), server side: the client's offers in Sec-WebSocket-Extensions are tried in
// order; an offer with an unknown, repeated or invalid parameter is declined and the next one
// tried (declining is not an error: the connection then runs uncompressed). The first
// acceptable offer gives a DeflateAgreement, whose `response` is the Sec-WebSocket-Extensions
// value of the 101. DeflateConfig is the server's policy:
//   server_no_context_takeover   sent when the client asked or the config wants it; the
//                                compressor then starts fresh for every message and its
//                                memory can be freed between messages
//   client_no_context_takeover   sent when the client offered it or the config wants it; the
//                                decompressor may then be freed between messages
//   server_max_window_bits       min(offer, config), sent when below 15 or offered; an offer
//                                of 8 is declined (zlib's raw deflate cannot make 8-bit
//                                windows: it silently uses 9)
//   client_max_window_bits       only when the client offered it (7.1.2.2): min(offer, config)
// Memory per connection (zlib's formulas): compressor (1 << (window+2)) + (1 << (mem_level+9))
// bytes, decompressor (1 << window) + ~7 KiB. The defaults (window 12, mem_level 5, as the
// Python websockets library) need ~38 KiB + ~11 KiB while a message is in flight; both are
// allocated at the first message that needs them, and release() frees them when no context
// is kept.
//
// Messages (7.2): the compressor ends every message with a sync flush and drops the final
// 0x00 0x00 0xff 0xff; the decompressor appends those 4 bytes at the end of the message.
// Decompression stops at max_size output bytes (a zip bomb: a few KiB that inflate to GiB)
// with WsError::inflated_too_big, checked while inflating, so never more than the limit is
// held.
//
// A zlib quirk: with a window under 15 bits, inflate() accepts a back-reference past the
// window when the bytes it points at were written by the same call. A client that breaks its
// client_max_window_bits promise may therefore have a message accepted or refused depending
// on how its bytes arrived. Both outcomes are safe (the output limit holds either way); with
// 15 bits (the format's maximum distance) the outcome never depends on the reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "http/websocket_buffer.hpp"
#include "http/websocket_errors.hpp"

namespace paasrun::http::ws {

inline constexpr std::string_view kPermessageDeflate = "permessage-deflate";

struct DeflateConfig {
    bool enabled = true;
    bool server_no_context_takeover = false;  // force a fresh compressor per message
    bool client_no_context_takeover = false;  // ask the client to do the same
    int server_max_window_bits = 12;          // 9..15: our compressor's window
    int client_max_window_bits = 12;          // 9..15: asked of the client when it allows
    int mem_level = 5;                        // 1..9: zlib's compressor memory/speed trade
    int level = 6;                            // 0..9: zlib's compression level (6: default)
};

/// What both sides agreed to for one connection.
struct DeflateAgreement {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    int server_window_bits = 15;  // our compressor's window
    int client_window_bits = 15;  // our decompressor's window (>= what the client uses)
    std::string response;         // the Sec-WebSocket-Extensions value for the 101
};

/// Picks the first acceptable permessage-deflate offer among the request's
/// Sec-WebSocket-Extensions fields (already syntax-checked by check_handshake). nullopt when
/// the config disables it or no offer is acceptable.
[[nodiscard]] std::optional<DeflateAgreement> negotiate_deflate(const Request& req,
                                                                const DeflateConfig& config);

/// Decompresses the messages of one connection (the client's, for a server).
class Inflater {
public:
    /// `window_bits`: DeflateAgreement::client_window_bits; `no_context_takeover`: reset
    /// after every message (DeflateAgreement::client_no_context_takeover).
    Inflater(int window_bits, bool no_context_takeover) noexcept;
    ~Inflater();
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    /// Inflates the next piece of a compressed message, appending to `out`; never lets `out`
    /// grow past max_size (inflated_too_big instead). Errors: bad_compressed_data,
    /// inflated_too_big, out_of_memory.
    [[nodiscard]] WsError feed(std::string_view compressed, MessageBuffer& out,
                               std::size_t max_size);
    /// The message ended: inflates the implied 0x00 0x00 0xff 0xff, then resets the context
    /// when it is not kept.
    [[nodiscard]] WsError finish(MessageBuffer& out, std::size_t max_size);
    /// Frees zlib's state when no context is kept between messages (an idle connection then
    /// holds none); a no-op otherwise. Call only between messages.
    void release() noexcept;
    [[nodiscard]] bool allocated() const noexcept { return stream_ != nullptr; }

private:
    struct Stream;
    WsError run(std::string_view in, MessageBuffer& out, std::size_t max_size);

    int window_bits_;
    bool no_context_takeover_;
    bool ended_ = false;  // the input so far ended exactly at the end of a DEFLATE stream
    std::unique_ptr<Stream> stream_;  // zlib's z_stream, created at the first message
};

/// Compresses the messages of one connection (the server's).
class Deflater {
public:
    Deflater(int window_bits, bool no_context_takeover, int mem_level = 5, int level = 6) noexcept;
    ~Deflater();
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;

    /// Appends the compressed form of a whole message to `out` (without the 4-byte tail).
    /// Errors: out_of_memory.
    [[nodiscard]] WsError compress(std::string_view message, std::string& out);
    /// As Inflater::release().
    void release() noexcept;
    [[nodiscard]] bool allocated() const noexcept { return stream_ != nullptr; }

private:
    struct Stream;
    int window_bits_;
    bool no_context_takeover_;
    int mem_level_;
    int level_;
    std::unique_ptr<Stream> stream_;
};

}  // namespace paasrun::http::ws
