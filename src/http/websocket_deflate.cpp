#include "http/websocket_deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>

#include "http/websocket_handshake.hpp"

namespace paasrun::http::ws {
namespace {

constexpr std::string_view kTail("\x00\x00\xff\xff", 4);
constexpr std::size_t kInflateStep = 16 * 1024;              // output bytes asked of zlib per call
constexpr std::size_t kMaxZlibPiece = std::size_t{1} << 30;  // input per call (uInt counts)

int clamp_bits(int bits) {
    return std::clamp(bits, 9, 15);
}

// max-window-bits values: "8".."15" (RFC 7692 7.1.2.1: 1*DIGIT, no leading zero); -1 if not.
int parse_window_bits(std::string_view raw) {
    std::array<char, 8> buf{};
    auto v = unescape_token(raw, buf);
    if (v.size() == 1 && v[0] >= '8' && v[0] <= '9') return v[0] - '0';
    if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return 10 + (v[1] - '0');
    return -1;
}

struct Offer {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    int server_max_window_bits = 0;  // 0: absent
    bool client_max_window_bits = false;
    int client_max_window_bits_value = 0;  // 0: offered without a value
};

// False when the offer must be declined (7.1: unknown, repeated or invalid parameter).
bool read_offer(const Extension& e, Offer& o) {
    bool seen[4] = {};
    for (const auto& p : e.params()) {
        int which;
        if (iequals(p.name, "server_no_context_takeover"))
            which = 0;
        else if (iequals(p.name, "client_no_context_takeover"))
            which = 1;
        else if (iequals(p.name, "server_max_window_bits"))
            which = 2;
        else if (iequals(p.name, "client_max_window_bits"))
            which = 3;
        else
            return false;
        if (seen[which]) return false;
        seen[which] = true;
        switch (which) {
            case 0:
            case 1:
                if (p.has_value) return false;
                (which == 0 ? o.server_no_context_takeover : o.client_no_context_takeover) = true;
                break;
            case 2:
                if (!p.has_value) return false;
                o.server_max_window_bits = parse_window_bits(p.value);
                if (o.server_max_window_bits < 0) return false;
                break;
            default:
                o.client_max_window_bits = true;
                if (p.has_value) {
                    o.client_max_window_bits_value = parse_window_bits(p.value);
                    if (o.client_max_window_bits_value < 0) return false;
                }
                break;
        }
    }
    return true;
}

std::optional<DeflateAgreement> agree(const Offer& o, const DeflateConfig& config) {
    DeflateAgreement a;
    a.server_no_context_takeover =
        o.server_no_context_takeover || config.server_no_context_takeover;
    a.client_no_context_takeover =
        o.client_no_context_takeover || config.client_no_context_takeover;
    // Our window: the config's, or less when the client asks (7.1.2.1). An offer of 8 is
    // declined: zlib's raw deflate turns 8 into 9, which the client could not inflate.
    a.server_window_bits = clamp_bits(config.server_max_window_bits);
    if (o.server_max_window_bits != 0) {
        if (o.server_max_window_bits < 9) return std::nullopt;
        a.server_window_bits = std::min(a.server_window_bits, o.server_max_window_bits);
    }
    // The client's window may be limited only when it offered client_max_window_bits
    // (7.1.2.2). Unless we send a limit it may use 15 bits, whatever its hint said. The
    // decompressor's window is never below 9 (zlib); a larger one than the data's is fine.
    int client_limit = 15;
    if (o.client_max_window_bits) {
        const int offered =
            o.client_max_window_bits_value == 0 ? 15 : o.client_max_window_bits_value;
        client_limit = std::min(clamp_bits(config.client_max_window_bits), offered);
    }
    a.client_window_bits = std::max(client_limit, 9);

    a.response = std::string(kPermessageDeflate);
    if (a.server_no_context_takeover) a.response += "; server_no_context_takeover";
    if (a.client_no_context_takeover) a.response += "; client_no_context_takeover";
    if (a.server_window_bits < 15 || o.server_max_window_bits != 0)
        a.response += "; server_max_window_bits=" + std::to_string(a.server_window_bits);
    if (client_limit < 15) a.response += "; client_max_window_bits=" + std::to_string(client_limit);
    return a;
}

}  // namespace

std::optional<DeflateAgreement> negotiate_deflate(const Request& req, const DeflateConfig& config) {
    if (!config.enabled) return std::nullopt;
    for (const auto& h : req.headers()) {
        if (!iequals(h.name, "sec-websocket-extensions")) continue;
        ExtensionParser parser(h.value);
        Extension e;
        while (parser.next(e)) {
            if (!iequals(e.name, kPermessageDeflate)) continue;
            Offer offer;
            if (!read_offer(e, offer)) continue;  // declined: try the client's next offer
            if (auto a = agree(offer, config)) return a;
        }
    }
    return std::nullopt;
}

// ---- Inflater ----

struct Inflater::Stream {
    z_stream z{};
    bool initialized = false;
    ~Stream() {
        if (initialized) inflateEnd(&z);
    }
};

Inflater::Inflater(int window_bits, bool no_context_takeover) noexcept
    : window_bits_(clamp_bits(window_bits)), no_context_takeover_(no_context_takeover) {}

Inflater::~Inflater() = default;

WsError Inflater::run(std::string_view in, MessageBuffer& out, std::size_t max_size) {
    if (!stream_) {
        auto s = std::make_unique<Stream>();
        // Negative window bits: raw DEFLATE, no zlib header or checksum (RFC 7692 7.2.1).
        if (inflateInit2(&s->z, -window_bits_) != Z_OK) return WsError::out_of_memory;
        s->initialized = true;
        stream_ = std::move(s);
    }
    z_stream& z = stream_->z;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    ended_ = false;
    for (;;) {
        // One byte more than the limit may be produced: that byte is how a message that
        // inflates past the limit is told from one that ends exactly at it.
        const std::size_t allowed = max_size + 1 - out.size();
        const std::size_t want = std::min(kInflateStep, allowed);
        char* dst = out.prepare(want, max_size + 1);
        const std::size_t room = std::min(out.capacity() - out.size(), allowed);
        z.next_out = reinterpret_cast<Bytef*>(dst);
        z.avail_out = static_cast<uInt>(room);
        const int ret = inflate(&z, Z_SYNC_FLUSH);
        out.commit(room - z.avail_out);
        if (out.size() > max_size) return WsError::inflated_too_big;
        switch (ret) {
            case Z_OK:
            case Z_BUF_ERROR:  // no progress possible: input used up (or output full)
                break;
            case Z_STREAM_END:
                // A block with BFINAL set ended the DEFLATE stream (RFC 7692 7.2.3.4); what
                // follows in the message, if anything, is a new stream.
                inflateReset(&z);
                ended_ = z.avail_in == 0;
                if (ended_) return WsError::none;
                break;
            case Z_MEM_ERROR:
                return WsError::out_of_memory;
            default:  // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR
                return WsError::bad_compressed_data;
        }
        if (z.avail_out != 0 && z.avail_in == 0) return WsError::none;
        if (ret == Z_BUF_ERROR && z.avail_out != 0) return WsError::none;
    }
}

WsError Inflater::feed(std::string_view compressed, MessageBuffer& out, std::size_t max_size) {
    // zlib counts input in 32-bit units: larger pieces go in parts.
    while (!compressed.empty()) {
        const std::size_t piece = std::min(compressed.size(), kMaxZlibPiece);
        if (WsError e = run(compressed.substr(0, piece), out, max_size); e != WsError::none)
            return e;
        compressed.remove_prefix(piece);
    }
    return WsError::none;
}

WsError Inflater::finish(MessageBuffer& out, std::size_t max_size) {
    // A message whose last block had BFINAL set: the stream is complete and already reset;
    // the 4-byte tail would start a stored block that never ends.
    if (ended_) {
        ended_ = false;
        return WsError::none;
    }
    WsError e = run(kTail, out, max_size);
    if (e == WsError::none && no_context_takeover_) inflateReset(&stream_->z);
    return e;
}

void Inflater::release() noexcept {
    if (no_context_takeover_) stream_.reset();
}

// ---- Deflater ----

struct Deflater::Stream {
    z_stream z{};
    bool initialized = false;
    ~Stream() {
        if (initialized) deflateEnd(&z);
    }
};

Deflater::Deflater(int window_bits, bool no_context_takeover, int mem_level, int level) noexcept
    : window_bits_(clamp_bits(window_bits)),
      no_context_takeover_(no_context_takeover),
      mem_level_(std::clamp(mem_level, 1, 9)),
      level_(std::clamp(level, -1, 9)) {}

Deflater::~Deflater() = default;

WsError Deflater::compress(std::string_view message, std::string& out) {
    // An empty message is one empty stored block: 0x00, plus the tail the receiver adds
    // (RFC 7692 7.2.3.6). zlib would emit nothing for an empty sync flush after another one.
    if (message.empty()) {
        out += '\0';
        return WsError::none;
    }
    if (!stream_) {
        auto s = std::make_unique<Stream>();
        if (deflateInit2(&s->z, level_, Z_DEFLATED, -window_bits_, mem_level_,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            return WsError::out_of_memory;
        s->initialized = true;
        stream_ = std::move(s);
    }
    z_stream& z = stream_->z;
    const std::size_t start = out.size();
    std::string_view rest = message;
    do {
        // zlib counts input in 32-bit units: a larger message goes in parts, flushed once.
        const std::size_t piece = std::min(rest.size(), kMaxZlibPiece);
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(rest.data()));
        z.avail_in = static_cast<uInt>(piece);
        rest.remove_prefix(piece);
        const int flush = rest.empty() ? Z_SYNC_FLUSH : Z_NO_FLUSH;
        for (;;) {
            // deflateBound() covers the input left; the flush markers need a few bytes more.
            const std::size_t room = deflateBound(&z, z.avail_in) + 16;
            const std::size_t old = out.size();
            out.resize(old + room);
            z.next_out = reinterpret_cast<Bytef*>(out.data() + old);
            z.avail_out = static_cast<uInt>(room);
            const int ret = deflate(&z, flush);
            out.resize(old + room - z.avail_out);
            if (ret != Z_OK && ret != Z_BUF_ERROR) {
                out.resize(start);
                return WsError::out_of_memory;
            }
            // Done when all input is in and the flush fit (zlib: avail_out left over).
            if (z.avail_in == 0 && z.avail_out != 0) break;
        }
    } while (!rest.empty());
    // A sync flush ends with an empty stored block, 0x00 0x00 0xff 0xff: not sent (7.2.1).
    if (out.size() - start >= kTail.size() &&
        std::string_view(out).substr(out.size() - kTail.size()) == kTail)
        out.resize(out.size() - kTail.size());
    if (no_context_takeover_) deflateReset(&z);
    return WsError::none;
}

void Deflater::release() noexcept {
    if (no_context_takeover_) stream_.reset();
}

}  // namespace paasrun::http::ws
