// Micro-benchmark of the WebSocket codec (src/http/websocket_*): what one worker core spends
// on framing, unmasking, UTF-8 validation and permessage-deflate, without sockets or Python.
// Built and run by bench/websocket_codec (plain g++ against build/'s libraries).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "http/utf8.hpp"
#include "http/websocket_deflate.hpp"
#include "http/websocket_frame.hpp"
#include "http/websocket_message.hpp"

using namespace paasrun::http;
using namespace paasrun::http::ws;
using Clock = std::chrono::steady_clock;

namespace {

volatile std::size_t sink;  // keeps the measured work from being optimized away

template <typename Fn>
double seconds_for(int rounds, Fn&& fn) {
    fn();  // warm-up
    auto t0 = Clock::now();
    for (int i = 0; i < rounds; ++i) fn();
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

const MaskKey kKey{0x37, 0xfa, 0x21, 0x3d};

// The byte-at-a-time loop most implementations start with: the baseline for apply_mask.
void mask_bytewise(char* data, std::size_t n, const MaskKey& key) {
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<char>(data[i] ^ key[i & 3]);
}

std::string client_frames(std::size_t count, std::size_t size, Opcode op) {
    std::string payload(size, 'm');
    std::string out;
    FrameOptions o;
    o.mask = &kKey;
    for (std::size_t i = 0; i < count; ++i) append_frame(out, op, payload, o);
    return out;
}

}  // namespace

int main() {
    constexpr std::size_t kMiB = 1024 * 1024;
    std::string buf(8 * kMiB, 'x');
    const int rounds = 50;

    double t = seconds_for(rounds, [&] { mask_bytewise(buf.data(), buf.size(), kKey); });
    std::printf("unmask, byte at a time      %8.2f GB/s\n", rounds * buf.size() / t / 1e9);
    t = seconds_for(rounds, [&] { apply_mask(buf.data(), buf.size(), kKey); });
    std::printf("unmask, apply_mask          %8.2f GB/s\n", rounds * buf.size() / t / 1e9);

    std::string ascii(8 * kMiB, 'a');
    t = seconds_for(rounds, [&] { sink = is_valid_utf8(ascii); });
    std::printf("UTF-8 check, ASCII          %8.2f GB/s\n", rounds * ascii.size() / t / 1e9);
    std::string mixed;
    while (mixed.size() < 8 * kMiB)
        mixed += "h\xc3\xa9llo w\xc3\xb6rld \xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 ";
    t = seconds_for(rounds, [&] { sink = is_valid_utf8(mixed); });
    std::printf("UTF-8 check, mixed text     %8.2f GB/s\n", rounds * mixed.size() / t / 1e9);

    // Reading: 64-byte masked text messages, many per read (an echo benchmark's load).
    for (std::size_t size : {64, 1024}) {
        const std::size_t count = 100000;
        const std::string wire = client_frames(count, size, Opcode::text);
        std::string work;
        const int r = 20;
        t = seconds_for(r, [&] {
            work = wire;  // the reader unmasks in place: a fresh copy each round
            MessageReader reader;
            std::size_t pos = 0, n = 0;
            while (pos < work.size()) {
                auto ev = reader.next(work.data() + pos, work.size() - pos);
                pos += ev.consumed;
                n += ev.kind == MessageReader::Kind::message;
            }
            sink = n;
        });
        // Subtract the copy, measured alone.
        double copy = seconds_for(r, [&] {
            work = wire;
            sink = work.size();
        });
        std::printf("read %4zu-byte text msgs   %8.1f M msg/s (%.0f ns each)\n", size,
                    r * count / (t - copy) / 1e6, (t - copy) / (r * count) * 1e9);
    }

    // Writing: frame 64-byte server messages into an output buffer.
    {
        const std::string payload(64, 'w');
        std::string out;
        const std::size_t count = 1000000;
        t = seconds_for(5, [&] {
            out.clear();
            for (std::size_t i = 0; i < count; ++i)
                sink = static_cast<std::size_t>(append_message(out, Opcode::text, payload));
        });
        std::printf("write 64-byte text msgs     %8.1f M msg/s\n", 5 * count / t / 1e6);
    }

    // permessage-deflate: a 1 KiB JSON-like message, compressed by the server and read back
    // by a server-side reader (window 12, mem_level 5: the defaults), with context takeover.
    {
        // Distinct messages (an id, a counter) so the shared window cannot just repeat one.
        auto message = [](std::size_t i) {
            std::string json = "[";
            for (std::size_t k = 0; json.size() < 1024; ++k)
                json += "{\"id\":" + std::to_string(i * 31 + k) + ",\"name\":\"user" +
                        std::to_string((i * 7 + k) % 1000) +
                        "\",\"ok\":" + (k % 3 ? "true" : "false") + "},";
            json.back() = ']';
            return json;
        };
        const std::string json = message(0);
        Deflater d(12, false, 5, 6);
        std::string wire;
        const std::size_t count = 20000;
        std::vector<std::string> messages;
        for (std::size_t i = 0; i < count; ++i) messages.push_back(message(i));
        auto t0 = Clock::now();
        for (std::size_t i = 0; i < count; ++i) {
            std::string deflated;
            (void)d.compress(messages[i], deflated);
            FrameOptions o;
            o.mask = &kKey;
            o.rsv1 = true;
            append_frame(wire, Opcode::text, deflated, o);
        }
        double tc = std::chrono::duration<double>(Clock::now() - t0).count();
        Inflater inflater(12, false);
        MessageReader reader({}, &inflater);
        std::size_t pos = 0, n = 0;
        t0 = Clock::now();
        while (pos < wire.size()) {
            auto ev = reader.next(wire.data() + pos, wire.size() - pos);
            pos += ev.consumed;
            n += ev.kind == MessageReader::Kind::message;
        }
        double ti = std::chrono::duration<double>(Clock::now() - t0).count();
        std::printf("deflate 1 KiB JSON msgs     %8.1f k msg/s (%zu -> ~%zu bytes)\n",
                    count / tc / 1e3, json.size(), (wire.size() / count) - 8);
        std::printf("inflate+read 1 KiB JSON     %8.1f k msg/s (%zu read)\n", n / ti / 1e3, n);
    }
    return 0;
}
