// The dashboard's logins: one-time login tickets and browser sessions, in memory.
//
// A ticket (`paasrun dashboard` asks for one with the bearer token) is good for one login
// within 60 s; redeeming it, or logging in with the token on the login page, makes a session:
// a random id sent back as an HttpOnly cookie, plus a CSRF token the pages send with every
// state-changing request. A session ends after 30 minutes without a request, 12 hours after
// it began, or at logout. Everything is bounded (64 sessions, 16 tickets: the oldest goes
// first) and lost when paasrun stops, which logs everybody out (a restart is rare and
// logging in again is cheap; sessions on disk would be one more secret to protect).
//
// Ids, CSRF tokens and tickets are 32 random bytes (OpenSSL's RAND_bytes) as hex; lookups
// compare in constant time. Thread-safe. The clock is injected so tests can move time.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::admin::dashboard {

struct SessionLimits {
    std::chrono::seconds ticket_ttl{60};
    std::chrono::seconds idle_timeout{30 * 60};
    std::chrono::seconds max_age{12 * 60 * 60};
    std::size_t max_sessions = 64;
    std::size_t max_tickets = 16;
};

struct Session {
    std::string id;    // the cookie's value
    std::string csrf;  // what X-CSRF-Token must carry
};

class Sessions {
public:
    using Clock = std::chrono::steady_clock;
    explicit Sessions(SessionLimits limits = {},
                      std::function<Clock::time_point()> now = &Clock::now);

    /// A new one-time ticket (empty if the random generator failed).
    [[nodiscard]] std::string create_ticket();
    /// Redeems a ticket: a new session, or nullopt when the ticket is unknown, was used
    /// already or is older than ticket_ttl. A ticket is removed by its first redemption,
    /// whatever the outcome.
    [[nodiscard]] std::optional<Session> redeem_ticket(std::string_view ticket);
    /// A new session (after a login with the token). nullopt if the random generator failed.
    [[nodiscard]] std::optional<Session> create();
    /// The live session with this id (and its idle timer restarted), or nullopt.
    [[nodiscard]] std::optional<Session> find(std::string_view id);
    /// Ends a session (logout). Unknown ids are ignored.
    void remove(std::string_view id);

    [[nodiscard]] const SessionLimits& limits() const { return limits_; }

private:
    struct Entry {
        Session s;
        Clock::time_point created;
        Clock::time_point last_used;
    };
    struct Ticket {
        std::string value;
        Clock::time_point created;
    };
    void expire(Clock::time_point now);
    std::optional<Session> create_locked(Clock::time_point now);

    SessionLimits limits_;
    std::function<Clock::time_point()> now_;
    std::mutex mu_;
    std::vector<Entry> sessions_;  // oldest first
    std::vector<Ticket> tickets_;  // oldest first
};

}  // namespace paasrun::admin::dashboard
