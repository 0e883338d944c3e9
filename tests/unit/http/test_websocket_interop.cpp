// Interoperability with another implementation: the codec, acting as the server, completes
// a handshake with the `websockets` library's client (python3-websockets, sans-I/O, run as
// tests/fixtures/websocket/interop_client.py over pipes), negotiates permessage-deflate with
// it, and exchanges messages both ways (the client echoes each one: its frames are masked and,
// when negotiated, compressed by the library), then the close handshake.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "http/request_parser.hpp"
#include "http/websocket_deflate.hpp"
#include "http/websocket_handshake.hpp"
#include "http/websocket_message.hpp"

using namespace paasrun::http;
using namespace paasrun::http::ws;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

// The client process with its stdin (we write) and stdout (we read) as pipes.
class Client {
public:
    Client(const std::string& mode, const std::string& subprotocol) {
        int in[2], out[2];
        REQUIRE(pipe2(in, O_CLOEXEC) == 0);
        REQUIRE(pipe2(out, O_CLOEXEC) == 0);
        const std::string script = std::string(PAASRUN_FIXTURES) + "/websocket/interop_client.py";
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            std::vector<const char*> argv{kPython, script.c_str(), mode.c_str()};
            if (!subprotocol.empty()) argv.push_back(subprotocol.c_str());
            argv.push_back(nullptr);
            execv(kPython, const_cast<char* const*>(argv.data()));
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        to_ = in[1];
        from_ = out[0];
    }
    ~Client() {
        close_input();
        if (from_ >= 0) close(from_);
        if (pid_ > 0) wait();
    }

    void send(std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t n = write(to_, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR) continue;
            REQUIRE(n > 0);
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    /// Appends what the client wrote to `buf`, waiting up to 20 s; false at EOF.
    bool receive(std::string& buf) {
        pollfd p{from_, POLLIN, 0};
        int r = poll(&p, 1, 20000);
        REQUIRE(r == 1);  // else the client hung: the test fails instead of waiting forever
        char chunk[65536];
        ssize_t n = read(from_, chunk, sizeof chunk);
        REQUIRE(n >= 0);
        buf.append(chunk, static_cast<std::size_t>(n));
        return n > 0;
    }
    void close_input() {
        if (to_ >= 0) close(to_);
        to_ = -1;
    }
    /// The client's exit status (0: it found nothing wrong).
    int wait() {
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    pid_t pid_ = -1;
    int to_ = -1, from_ = -1;
};

bool websockets_available() {
    std::string cmd = std::string(kPython) + " -c 'import websockets.client' 2>/dev/null";
    return std::system(cmd.c_str()) == 0;
}

struct Session {
    DeflateConfig config;
    std::string mode = "deflate";
    std::string subprotocol;
};

void run_session(const Session& s) {
    REQUIRE(websockets_available());  // python3-websockets: scripts/bootstrap --test
    Client client(s.mode, s.subprotocol);

    // Handshake.
    std::string in;
    while (in.find("\r\n\r\n") == std::string::npos) REQUIRE(client.receive(in));
    Request req;
    auto parsed = parse_request_head(in, req);
    REQUIRE(parsed.status == ParseStatus::complete);
    REQUIRE(is_websocket_request(req));
    Handshake hs;
    REQUIRE(check_handshake(req, hs) == HandshakeError::none);
    auto agreement = negotiate_deflate(req, s.config);
    REQUIRE(agreement.has_value() == (s.mode == "deflate" && s.config.enabled));
    UpgradeResponse response;
    if (!s.subprotocol.empty()) {
        REQUIRE(hs.offers_subprotocol(s.subprotocol));
        response.subprotocol = s.subprotocol;
    }
    if (agreement) response.extensions = agreement->response;
    std::string out;
    REQUIRE(write_upgrade_response(hs, response, out) == UpgradeError::none);
    client.send(out);
    in.erase(0, parsed.consumed);

    std::optional<Inflater> inflater;
    std::optional<Deflater> deflater;
    if (agreement) {
        inflater.emplace(agreement->client_window_bits, agreement->client_no_context_takeover);
        deflater.emplace(agreement->server_window_bits, agreement->server_no_context_takeover,
                         s.config.mem_level, s.config.level);
    }
    MessageReader reader({}, inflater ? &*inflater : nullptr);

    // The next event from the client, reading as needed.
    std::size_t pos = 0;
    auto next_event = [&]() -> std::pair<MessageReader::Kind, std::string> {
        for (;;) {
            auto ev = reader.next(in.data() + pos, in.size() - pos);
            pos += ev.consumed;
            if (ev.kind == MessageReader::Kind::error) FAIL("reader: " << describe(ev.error));
            if (ev.kind == MessageReader::Kind::close)
                return {ev.kind, std::to_string(ev.close_code) + " " + std::string(ev.payload)};
            if (ev.kind != MessageReader::Kind::need_more)
                return {ev.kind, std::string(ev.payload)};
            if (!client.receive(in)) FAIL("the client closed the connection early");
        }
    };

    // The client reports what it negotiated.
    auto hello = next_event();
    REQUIRE(hello.first == MessageReader::Kind::message);
    const std::string ext = agreement ? "PerMessageDeflate" : "none";
    const std::string sub = s.subprotocol.empty() ? "None" : s.subprotocol;
    CHECK(hello.second == "extensions=" + ext + " subprotocol=" + sub);

    // Messages both ways: each one sent is echoed back by the client.
    std::mt19937 rng(1);
    std::string random(100000, '\0');
    for (auto& c : random) c = static_cast<char>(rng());
    std::string text;
    while (text.size() < 300000)
        text += "text \xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 message ";
    const std::vector<std::pair<Opcode, std::string>> messages = {
        {Opcode::text, "Hello"}, {Opcode::text, ""},    {Opcode::binary, random},
        {Opcode::text, text},    {Opcode::binary, "x"}, {Opcode::text, "Hello"}};
    for (const auto& [op, payload] : messages) {
        std::string frame;
        REQUIRE(append_message(frame, op, payload, deflater ? &*deflater : nullptr) ==
                WsError::none);
        if (deflater) deflater->release();
        client.send(frame);
        auto echo = next_event();
        REQUIRE(echo.first == MessageReader::Kind::message);
        CHECK(echo.second.size() == payload.size());
        CHECK(echo.second == payload);
        if (!reader.in_message()) reader.release();
    }

    // Close handshake: our close frame, the client's answer, then we close the "TCP".
    std::string close;
    append_close_frame(close, close_code::normal, "bye");
    client.send(close);
    auto answer = next_event();
    CHECK(answer.first == MessageReader::Kind::close);
    CHECK(answer.second == "1000 bye");
    client.close_input();
    CHECK(client.wait() == 0);
}

}  // namespace

TEST_CASE("ws interop: python3-websockets' client with permessage-deflate (defaults)",
          "[http][websocket][interop]") {
    run_session({});
}

TEST_CASE("ws interop: python3-websockets' client, no context takeover, full windows",
          "[http][websocket][interop]") {
    Session s;
    s.config.server_no_context_takeover = s.config.client_no_context_takeover = true;
    s.config.server_max_window_bits = s.config.client_max_window_bits = 15;
    s.config.mem_level = 8;
    run_session(s);
}

TEST_CASE("ws interop: python3-websockets' client without compression, with a subprotocol",
          "[http][websocket][interop]") {
    Session s;
    s.mode = "plain";
    s.subprotocol = "chat";
    run_session(s);
    Session off;
    off.config.enabled = false;  // the client offers deflate; the server declines
    run_session(off);
}
