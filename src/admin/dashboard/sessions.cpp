#include "admin/dashboard/sessions.hpp"

#include <algorithm>

#include "admin/auth.hpp"

namespace paasrun::admin::dashboard {

namespace {
constexpr std::size_t kRandomBytes = 32;
}

Sessions::Sessions(SessionLimits limits, std::function<Clock::time_point()> now)
    : limits_(limits), now_(std::move(now)) {}

void Sessions::expire(Clock::time_point now) {
    std::erase_if(tickets_, [&](const Ticket& t) { return now - t.created >= limits_.ticket_ttl; });
    std::erase_if(sessions_, [&](const Entry& e) {
        return now - e.last_used >= limits_.idle_timeout || now - e.created >= limits_.max_age;
    });
}

std::string Sessions::create_ticket() {
    auto value = random_hex(kRandomBytes);
    if (!value) return {};
    std::lock_guard lk(mu_);
    auto now = now_();
    expire(now);
    if (tickets_.size() >= limits_.max_tickets) tickets_.erase(tickets_.begin());
    tickets_.push_back({*value, now});
    return *value;
}

std::optional<Session> Sessions::create_locked(Clock::time_point now) {
    auto id = random_hex(kRandomBytes);
    auto csrf = random_hex(kRandomBytes);
    if (!id || !csrf) return std::nullopt;
    if (sessions_.size() >= limits_.max_sessions) sessions_.erase(sessions_.begin());
    sessions_.push_back({{*id, *csrf}, now, now});
    return sessions_.back().s;
}

std::optional<Session> Sessions::redeem_ticket(std::string_view ticket) {
    std::lock_guard lk(mu_);
    auto now = now_();
    expire(now);
    auto it = std::find_if(tickets_.begin(), tickets_.end(),
                           [&](const Ticket& t) { return constant_time_equals(ticket, t.value); });
    if (it == tickets_.end()) return std::nullopt;
    tickets_.erase(it);
    return create_locked(now);
}

std::optional<Session> Sessions::create() {
    std::lock_guard lk(mu_);
    auto now = now_();
    expire(now);
    return create_locked(now);
}

std::optional<Session> Sessions::find(std::string_view id) {
    std::lock_guard lk(mu_);
    auto now = now_();
    expire(now);
    for (auto& e : sessions_)
        if (constant_time_equals(id, e.s.id)) {
            e.last_used = now;
            return e.s;
        }
    return std::nullopt;
}

void Sessions::remove(std::string_view id) {
    std::lock_guard lk(mu_);
    std::erase_if(sessions_, [&](const Entry& e) { return constant_time_equals(id, e.s.id); });
}

}  // namespace paasrun::admin::dashboard
