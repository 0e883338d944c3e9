// ConnectionManager: the listening side of a worker's event loop and the owner of its
// connections.
//
// - Accepts on every inherited listening socket (TCP or unix), sets TCP_NODELAY, and caps the
//   number of open connections (accepting pauses at the cap and resumes when one closes).
// - A 250 ms tick checks every connection's deadline, beats the heartbeat and runs the
//   worker's periodic hook (RSS check); no timer is armed per connection or per request.
// - Graceful stop: stop accepting (the listening fds are closed), close idle keep-alive
//   connections, let busy ones finish their response; `on_drained` fires when none is left.
//
// Loop thread only, except request_done counting which connections also call on the loop.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "http/access_log.hpp"
#include "serve/stats_writer.hpp"
#include "util/result.hpp"
#include "worker/access_log_batch.hpp"
#include "worker/app_pool.hpp"
#include "worker/connection.hpp"
#include "worker/connection_config.hpp"
#include "worker/connection_memory.hpp"
#include "worker/response.hpp"

namespace paasrun::asgi {
class Runtime;
}

namespace paasrun::worker {

/// Makes one producer per connection (the WSGI adapter). Called on the loop thread without
/// the GIL; the producer acquires Python state lazily.
using ProducerFactory = std::function<std::unique_ptr<ResponseProducer>()>;

struct ManagerHooks {
    std::function<void()> on_tick;             // every tick (heartbeat, RSS check)
    std::function<void()> on_request_done;     // after each response (max-requests count)
    std::function<void()> on_drained;          // graceful stop finished
    std::function<void()> on_request_timeout;  // a request overran --request-timeout
};

class ConnectionManager {
public:
    ConnectionManager(boost::asio::io_context& io, ConnectionConfig config, ProducerFactory factory,
                      AppPool* pool, PreAppRoute* pre_app, ManagerHooks hooks);
    ~ConnectionManager();
    ConnectionManager(const ConnectionManager&) = delete;
    ConnectionManager& operator=(const ConnectionManager&) = delete;

    /// Adopts a listening socket (takes ownership of `fd`).
    [[nodiscard]] Status add_listener(int fd);
    /// Starts accepting and the tick.
    void start();
    /// Stops accepting; idle connections close; on_drained fires when the last one closes.
    void begin_graceful_stop();
    /// Closes everything now.
    void force_stop();

    [[nodiscard]] std::size_t connection_count() const { return count_; }
    [[nodiscard]] bool draining() const { return draining_; }
    [[nodiscard]] const ConnectionConfig& config() const { return config_; }
    [[nodiscard]] AppPool* pool() const { return pool_; }
    [[nodiscard]] PreAppRoute* pre_app() const { return pre_app_; }
    [[nodiscard]] boost::asio::io_context& io() { return io_; }
    /// The worker's stats file, or null when PAASRUN_STATS_DIR is not set.
    void set_stats(StatsWriter* stats) { stats_ = stats; }
    [[nodiscard]] StatsWriter* stats() const { return stats_; }
    /// ASGI workers: upgrade requests become WebSocket connections served by this runtime
    /// (websocket_session.hpp); null (WSGI) leaves them plain HTTP requests.
    void set_websocket_runtime(asgi::Runtime* rt) { websocket_runtime_ = rt; }
    [[nodiscard]] asgi::Runtime* websocket_runtime() const { return websocket_runtime_; }

    // Called by connections (loop thread).
    [[nodiscard]] ReadBufferPool& read_buffers() { return read_buffers_; }
    [[nodiscard]] ScratchBuffer& scratch() { return scratch_; }
    void link(Connection* c);
    void unlink(Connection* c);
    void request_done();
    /// Runs the tick hook now (heartbeat) from code that blocks the loop for a while.
    void beat();
    void request_timed_out();
    void write_access_log(const http::AccessLogEntry& entry);
    /// Writes the access log lines batched so far (access_log_batch.hpp); the ASGI loop calls
    /// it after each io_context::poll().
    void flush_access_log() { access_batch_.flush(); }

private:
    struct Listener;
    void do_accept(Listener& l);
    void adopt(Listener& l, boost::asio::generic::stream_protocol::socket sock);
    void on_tick();
    void maybe_drained();

    boost::asio::io_context& io_;
    ConnectionConfig config_;
    ProducerFactory factory_;
    AppPool* pool_;
    PreAppRoute* pre_app_;
    StatsWriter* stats_ = nullptr;
    asgi::Runtime* websocket_runtime_ = nullptr;
    ManagerHooks hooks_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    boost::asio::steady_timer tick_;
    Connection* head_ = nullptr;
    std::size_t count_ = 0;
    bool draining_ = false;
    bool accept_paused_ = false;
    ReadBufferPool read_buffers_;
    ScratchBuffer scratch_;
    HeapTrimmer trimmer_;
    DescriptorStateReserve descriptor_states_;
    AccessLogBatch access_batch_;
};

}  // namespace paasrun::worker
