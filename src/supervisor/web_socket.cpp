#include "supervisor/web_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>

namespace paasrun::supervisor {
namespace {

// Splits off the next whitespace-separated word (no shell quoting: the words we look for
// are plain program names).
std::string_view next_word(std::string_view& s) {
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    auto w = s.substr(i, j - i);
    s.remove_prefix(j);
    return w;
}

bool is_assignment(std::string_view w) {
    auto eq = w.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    for (std::size_t i = 0; i < eq; ++i) {
        char c = w[i];
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    }
    return !std::isdigit(static_cast<unsigned char>(w[0]));
}

std::string_view basename(std::string_view w) {
    auto slash = w.rfind('/');
    return slash == std::string_view::npos ? w : w.substr(slash + 1);
}

// The program and the rest of the line after it.
std::pair<std::string_view, std::string_view> split_program(std::string_view command) {
    std::string_view rest = command;
    while (true) {
        auto w = next_word(rest);
        if (w.empty()) return {{}, {}};
        if (is_assignment(w) || w == "exec") continue;
        return {basename(w), rest};
    }
}

}  // namespace

std::string command_program(std::string_view command) {
    return std::string(split_program(command).first);
}

bool reports_ready(std::string_view command) {
    auto [program, rest] = split_program(command);
    return program == "paasrun" && next_word(rest) == "serve";
}

bool takes_listen_fds(std::string_view command) {
    return reports_ready(command) || split_program(command).first == "gunicorn";
}

Result<unique_fd> listen_tcp(const std::string& host, int port, int backlog) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
        return Error(fmt::format("listen address {}: not an IPv4 address", host));
    unique_fd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (!fd) return sys_error("socket()");
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == -1)
        return sys_error("cannot listen on {}:{} (bind)", host, port);
    if (::listen(fd.get(), backlog) == -1) return sys_error("listen on {}:{}", host, port);
    return fd;
}

int bound_port(int fd) {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == -1) return 0;
    return ntohs(sa.sin_port);
}

}  // namespace paasrun::supervisor
