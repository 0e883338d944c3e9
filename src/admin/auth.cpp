#include "admin/auth.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "util/strings.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::admin {

namespace fs = std::filesystem;

namespace {

// What surrounds a token in its file (the trailing newline) or in the header (OWS).
constexpr std::string_view kTokenPadding = " \t\r\n";

Result<std::string> read_token_file(const fs::path& file) {
    unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) return sys_error("open {}", file.string());
    struct stat st {};
    if (::fstat(fd.get(), &st) == -1) return sys_error("fstat {}", file.string());
    if (!S_ISREG(st.st_mode)) return Error(fmt::format("{} is not a regular file", file.string()));
    // Like ssh with private keys: a token others can read is no secret, so refuse to use it.
    if ((st.st_mode & 077) != 0)
        return Error(
            fmt::format("{} is readable by group or others (mode {:o}); run `chmod 600 {}`",
                        file.string(), st.st_mode & 0777, file.string()));
    std::string text;
    std::array<char, 512> buf{};
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("read {}", file.string());
        if (n == 0) break;
        text.append(buf.data(), static_cast<std::size_t>(n));
        if (text.size() > 4096)
            return Error(fmt::format("{}: too long for a token", file.string()));
    }
    auto token = std::string(trim(text, kTokenPadding));
    if (token.empty())
        return Error(
            fmt::format("{} is empty (delete it to have a new token generated)", file.string()));
    if (!valid_token_syntax(token))
        return Error(
            fmt::format("{}: the token may only hold letters, digits and -._~+/= ", file.string()));
    return token;
}

}  // namespace

Result<std::string> random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
        return Error(fmt::format("cannot generate a token: RAND_bytes failed (error {:x})",
                                 ERR_get_error()));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes * 2);
    for (unsigned char c : raw) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

bool valid_token_syntax(std::string_view token) {
    std::size_t i = 0;
    auto body_char = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    };
    while (i < token.size() && body_char(token[i])) ++i;
    if (i == 0) return false;
    while (i < token.size() && token[i] == '=') ++i;
    return i == token.size();
}

bool constant_time_equals(std::string_view given, std::string_view expected) {
    if (given.empty() || expected.empty()) return false;
    // CRYPTO_memcmp compares two buffers of one length in constant time. On a length mismatch
    // compare `given` with itself, so the work still depends on given.size() alone (never on
    // expected's length or content) and the mismatch alone decides the answer.
    bool same_size = given.size() == expected.size();
    const char* other = same_size ? expected.data() : given.data();
    bool same_bytes = CRYPTO_memcmp(given.data(), other, given.size()) == 0;
    return same_size & same_bytes;
}

AuthResult check_bearer(std::string_view authorization, std::string_view expected) {
    auto h = trim(authorization, kTokenPadding);
    if (h.empty()) return AuthResult::missing;
    constexpr std::string_view kScheme = "bearer";
    if (h.size() <= kScheme.size()) return AuthResult::malformed;
    for (std::size_t i = 0; i < kScheme.size(); ++i)
        if ((h[i] | 0x20) != kScheme[i]) return AuthResult::malformed;
    if (h[kScheme.size()] != ' ') return AuthResult::malformed;
    auto token = trim(h.substr(kScheme.size() + 1), kTokenPadding);
    if (!valid_token_syntax(token)) return AuthResult::malformed;
    return constant_time_equals(token, expected) ? AuthResult::ok : AuthResult::wrong;
}

bool query_has_token(const std::multimap<std::string, std::string>& query) {
    return query.count("token") > 0 || query.count("access_token") > 0;
}

Result<std::string> read_or_create_token_file(const fs::path& file) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (ec) return Error(fmt::format("create {}: {}", file.parent_path().string(), ec.message()));
    if (::access(file.c_str(), F_OK) == 0) return read_token_file(file);

    // Written to a private temp file, then link(2)ed into place: link fails with EEXIST when
    // another process won the race, and nobody ever sees a half-written token (a kill -9
    // leaves at most a temp file behind, never an empty admin-token).
    auto token = random_hex(32);
    if (!token) return token;
    std::string tmpl = (file.parent_path() / ".admin-token.XXXXXX").string();
    unique_fd fd(::mkostemp(tmpl.data(), O_CLOEXEC));  // mode 0600
    if (!fd.valid()) return sys_error("create a temp file in {}", file.parent_path().string());
    std::string line = *token + "\n";
    bool written =
        ::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
        ::fsync(fd.get()) == 0;
    if (!written) {
        auto err = sys_error("write {}", tmpl);
        ::unlink(tmpl.c_str());
        return err;
    }
    int rc = ::link(tmpl.c_str(), file.c_str());
    int link_errno = errno;
    ::unlink(tmpl.c_str());
    if (rc == 0) return *token;
    if (link_errno == EEXIST) return read_token_file(file);
    errno = link_errno;
    return sys_error("link {} to {}", tmpl, file.string());
}

Result<ResolvedToken> resolve_token(std::string_view option_token, const char* env_token,
                                    const fs::path& state_dir) {
    if (!option_token.empty()) {
        if (!valid_token_syntax(option_token))
            return Error("admin token: may only hold letters, digits and -._~+/= (RFC 6750)");
        return ResolvedToken{std::string(option_token), "options"};
    }
    if (env_token && *env_token) {
        if (!valid_token_syntax(env_token))
            return Error(
                "PAASRUN_ADMIN_TOKEN: may only hold letters, digits and -._~+/= (RFC 6750)");
        return ResolvedToken{env_token, "env"};
    }
    auto file = state_dir / "admin-token";
    auto token = read_or_create_token_file(file);
    if (!token) return std::move(token).error();
    return ResolvedToken{std::move(*token), "file:" + file.string()};
}

}  // namespace paasrun::admin
