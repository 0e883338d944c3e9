#include "admin/instance_file.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "util/durable_fs.hpp"
#include "util/read_file.hpp"
#include "util/strings.hpp"

namespace paasrun::admin {

namespace fs = std::filesystem;

fs::path instance_file(const fs::path& state_dir) {
    return state_dir / "run" / "admin";
}

std::string client_url(std::string_view address) {
    if (address.substr(0, 5) == "unix:") return std::string(address);
    return "http://" + std::string(address);
}

Result<InstanceEntry> parse_instance_entry(std::string_view text) {
    InstanceEntry e;
    bool have_pid = false;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        auto key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "url") {
            e.url = std::string(value);
        } else if (key == "pid") {
            if (!parse_int(value, e.pid) || e.pid <= 0)
                return Error(fmt::format("bad pid \"{}\"", value));
            have_pid = true;
        }
    }
    if (e.url.empty()) return Error("no url");
    if (!have_pid) return Error("no pid");
    return e;
}

Status write_instance_file(const fs::path& state_dir, const InstanceEntry& e) {
    auto file = instance_file(state_dir);
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (ec)
        return Error(
            fmt::format("cannot create {}: {}", file.parent_path().string(), ec.message()));
    // 0644 at most whatever the umask (it only removes bits): readers refuse a group- or
    // world-writable entry (read_entry).
    return paasrun::write_file_atomic(file, fmt::format("url={}\npid={}\n", e.url, e.pid), 0644);
}

namespace {

// Only an entry this user (or root) wrote, and nobody else can rewrite: the reader sends its
// admin token to the URL in it.
bool trustworthy(const fs::path& file) {
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    if (st.st_uid != ::geteuid() && st.st_uid != 0) return false;
    return (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

std::optional<InstanceEntry> read_entry(const fs::path& state_dir) {
    auto file = instance_file(state_dir);
    if (!trustworthy(file)) return std::nullopt;
    auto text = read_file(file);
    if (!text) return std::nullopt;
    auto e = parse_instance_entry(*text);
    if (!e) return std::nullopt;
    return *e;
}

}  // namespace

std::optional<InstanceEntry> find_live_instance(const fs::path& state_dir) {
    auto e = read_entry(state_dir);
    if (!e) return std::nullopt;
    // EPERM: alive, but another user's (the CLI may run as someone else than the instance).
    if (::kill(e->pid, 0) != 0 && errno != EPERM) return std::nullopt;
    return e;
}

void remove_instance_file(const fs::path& state_dir, pid_t pid) {
    auto e = read_entry(state_dir);
    if (!e || e->pid != pid) return;
    std::error_code ec;
    fs::remove(instance_file(state_dir), ec);
}

InstanceFileGuard::InstanceFileGuard(fs::path state_dir, InstanceEntry e)
    : state_dir_(std::move(state_dir)), pid_(e.pid), status_(write_instance_file(state_dir_, e)) {}

InstanceFileGuard::~InstanceFileGuard() {
    if (status_) remove_instance_file(state_dir_, pid_);
}

}  // namespace paasrun::admin
