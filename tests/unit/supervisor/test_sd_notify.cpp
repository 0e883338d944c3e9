// sd_notify(3) to a real AF_UNIX datagram socket bound by the test, at a filesystem path and
// at an abstract name, as systemd binds NOTIFY_SOCKET.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "supervisor/sd_notify.hpp"
#include "util/unique_fd.hpp"

namespace sv = paasrun::supervisor;
using paasrun::unique_fd;

namespace {

// A bound datagram socket, as systemd's notify socket: `name` is a path or "@abstract".
unique_fd bind_notify_socket(const std::string& name) {
    auto address = sv::notify_address(name);
    REQUIRE(address);
    unique_fd s{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    REQUIRE(s);
    REQUIRE(::bind(s.get(), reinterpret_cast<const sockaddr*>(&address->addr), address->length) ==
            0);
    return s;
}

// One datagram, waiting at most 5 s; "" when none came.
std::string receive(const unique_fd& s) {
    pollfd p{s.get(), POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return {};
    char buf[512];
    ssize_t n = ::recv(s.get(), buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string unique_name(const char* what) {
    static int counter = 0;
    return std::string(what) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

}  // namespace

TEST_CASE("sd_notify: one datagram to a socket bound at a path", "[supervisor][sd_notify]") {
    auto path = std::filesystem::temp_directory_path() / unique_name("paasrun-notify");
    std::filesystem::remove(path);
    auto s = bind_notify_socket(path.string());
    REQUIRE(sv::notify_send(path.string(), "READY=1"));
    CHECK(receive(s) == "READY=1");
    REQUIRE(sv::notify_send(path.string(), "STOPPING=1\nSTATUS=draining"));
    CHECK(receive(s) == "STOPPING=1\nSTATUS=draining");  // one datagram, several lines
    std::filesystem::remove(path);
}

TEST_CASE("sd_notify: '@' names a socket in the abstract namespace", "[supervisor][sd_notify]") {
    std::string name = "@" + unique_name("paasrun-test-notify");
    auto s = bind_notify_socket(name);
    REQUIRE(sv::notify_send(name, "READY=1"));
    CHECK(receive(s) == "READY=1");
    // The abstract address is exactly the name: no path of that name appears on disk.
    CHECK_FALSE(std::filesystem::exists(name));
}

TEST_CASE("sd_notify: take_notify_socket unsets the variable, sd_notify sends there",
          "[supervisor][sd_notify]") {
    std::string name = "@" + unique_name("paasrun-test-take");
    auto s = bind_notify_socket(name);
    REQUIRE(::setenv("NOTIFY_SOCKET", name.c_str(), 1) == 0);
    CHECK(sv::take_notify_socket() == name);
    CHECK(std::getenv("NOTIFY_SOCKET") == nullptr);  // children spawned later never see it
    CHECK(sv::notify_enabled());
    sv::sd_notify("READY=1");
    CHECK(receive(s) == "READY=1");

    // Unset: nothing is sent and nothing fails.
    CHECK(sv::take_notify_socket().empty());
    CHECK_FALSE(sv::notify_enabled());
    sv::sd_notify("STOPPING=1");
    pollfd p{s.get(), POLLIN, 0};
    CHECK(::poll(&p, 1, 100) == 0);
}

TEST_CASE("sd_notify: bad addresses and a socket nobody bound are errors",
          "[supervisor][sd_notify]") {
    CHECK_FALSE(sv::notify_address(""));
    CHECK_FALSE(sv::notify_address("run/notify"));
    CHECK_FALSE(sv::notify_address("/" + std::string(sizeof(sockaddr_un::sun_path), 'x')));
    CHECK(sv::notify_address("/" + std::string(sizeof(sockaddr_un::sun_path) - 2, 'x')));
    CHECK(sv::notify_address("@" + std::string(sizeof(sockaddr_un::sun_path) - 1, 'x')));
    auto missing = std::filesystem::temp_directory_path() / unique_name("paasrun-no-such-socket");
    auto st = sv::notify_send(missing.string(), "READY=1");
    REQUIRE_FALSE(st);
    CHECK(st.error().describe().find("NOTIFY_SOCKET") != std::string::npos);
}

TEST_CASE("sd_notify: ReadyAnnouncer sends READY=1 once, when readiness first holds",
          "[supervisor][sd_notify]") {
    std::string name = "@" + unique_name("paasrun-test-ready");
    auto s = bind_notify_socket(name);
    REQUIRE(::setenv("NOTIFY_SOCKET", name.c_str(), 1) == 0);
    REQUIRE(sv::take_notify_socket() == name);
    std::atomic<int> asked{0};
    {
        sv::ReadyAnnouncer announcer([&] { return ++asked >= 3; }, std::chrono::milliseconds(10));
        CHECK(receive(s) == "READY=1");
        CHECK(asked == 3);
    }
    pollfd p{s.get(), POLLIN, 0};
    CHECK(::poll(&p, 1, 100) == 0);  // once only
    CHECK(asked == 3);

    // Never ready: the destructor stops the thread promptly, nothing is sent.
    {
        sv::ReadyAnnouncer never([] { return false; }, std::chrono::seconds(60));
    }
    CHECK(::poll(&p, 1, 50) == 0);
    (void)sv::take_notify_socket();
}
