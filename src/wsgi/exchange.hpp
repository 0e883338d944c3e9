// Exchange: one WSGI call, driven by the worker as a PULL interface (PEP 3333).
//
//   wsgi::Exchange ex(app);                 // reusable: keep one per in-flight slot
//   ex.start(request, sink);                // builds environ, calls app(environ, start_response)
//   for (;;) {
//       wsgi::Chunk c = ex.next();          // GIL held
//       if (c.head) send_head(*c.head, c /*same write as the first body bytes*/);
//       switch (c.kind) {
//         case Chunk::Kind::data: send(c.data); break;           // may release the GIL meanwhile
//         case Chunk::Kind::file: sendfile(c.file.fd, c.file.offset, c.file.length); break;
//         case Chunk::Kind::done: goto out;
//         case Chunk::Kind::failed: log(ex.error_text()); c.head_sent ? abort() : send_500(); goto
//         out;
//       }
//       if (c.last) break;                  // nothing follows: skip one next() round trip
//   }
//   out: ex.finish();                       // ALWAYS: calls the iterable's close()
//
// PEP 3333 rules implemented here:
//   - start_response(status, headers, exc_info=None): status a str "NNN reason"; headers a
//     list (or tuple) of (str, str) tuples; everything latin-1, no CR/LF/NUL, token names,
//     no hop-by-hop headers (RFC 9110 7.6.1) except "Connection: close", which is removed
//     and reported as ResponseHead::close. Violations raise in the app (TypeError /
//     ValueError), so they end as Chunk::Kind::failed with the traceback.
//   - A second start_response only with exc_info; if the head was already committed the
//     exc_info exception is re-raised into the app (PEP 3333 "Error Handling").
//   - The head is held back until the first NON-EMPTY body chunk (from write() or the
//     iterable), or until the iterable ends (empty body).
//   - Body chunks must be bytes (TypeError otherwise). Empty chunks are skipped.
//   - A wsgi.file_wrapper result whose file has a working fileno() on a regular file is
//     handed out as one Chunk::Kind::file region (sendfile); otherwise it is iterated in blocks.
//   - close() of the iterable is called exactly once by finish() (or the destructor), also
//     when the worker stops early (client gone, timeout) or the app failed.
//
// Threading and the GIL:
//   - start, next, finish, the destructor and error_text need the GIL. An Exchange is used
//     by one thread at a time (it may move between threads between calls).
//   - The views a Chunk or ResponseHead hands out point into Python objects the Exchange
//     keeps alive until the next next()/finish(): they MAY be read without the GIL (bytes
//     and str are immutable), e.g. inside a GilRelease while sending.
//   - ResponseSink::write runs with the GIL held, inside the app's write() call; the sink
//     may wrap its blocking part in GilRelease but must not touch Python while released.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wsgi/app.hpp"
#include "wsgi/request.hpp"

namespace paasrun::wsgi {

/// The response status and headers, validated. Views stay valid until finish().
struct ResponseHead {
    int status_code = 0;                          // 100..999, parsed from the status line
    std::string_view status;                      // "200 OK" exactly as given (latin-1 bytes)
    std::vector<Header> headers;                  // app order, hop-by-hop removed, latin-1 bytes
    std::optional<std::uint64_t> content_length;  // app's Content-Length, validated
    // Total body length when it is known before sending (app's Content-Length, else the
    // sum of a list/tuple of bytes, else a file_wrapper region): the worker may send
    // Content-Length instead of chunked. Empty when unknown (generators, write()).
    std::optional<std::uint64_t> body_length_hint;
    bool close = false;  // the app sent "Connection: close"
};

/// A region of a regular file the worker sends with sendfile(2). The fd belongs to the
/// app's file object: valid until finish(); never close it.
struct FileRegion {
    int fd = -1;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

struct Chunk {
    enum class Kind { data, file, done, failed };
    Kind kind = Kind::done;
    std::string_view data;  // kind == Kind::data: non-empty bytes
    FileRegion file;        // kind == Kind::file
    // Non-null on the one call that commits the head (first non-empty chunk, or done
    // for an empty body): send it before/with this chunk. Null otherwise.
    const ResponseHead* head = nullptr;
    bool last = false;       // no more body follows this chunk (next() would return done)
    bool head_sent = false;  // kind == Kind::failed: a head was committed earlier (abort the
                             // connection instead of sending a 500)
};

/// Implemented by the worker: receives the app's write() calls (PEP 3333 "The write()
/// Callable"). GIL held on entry and exit; see the file comment for releasing it.
class ResponseSink {
public:
    virtual ~ResponseSink() = default;
    /// `data` is non-empty. `head` is non-null exactly on the call that commits the head:
    /// send it first. Return false when the client is gone: write() then raises OSError
    /// in the app. The bytes must be sent (or copied) before returning.
    virtual bool write(const ResponseHead* head, std::string_view data) = 0;
};

class Exchange {
public:
    /// GIL held. `app` must outlive the Exchange.
    explicit Exchange(const App& app);
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;
    /// GIL held. Calls finish() if the worker did not.
    ~Exchange();

    /// Builds the environ from `request` and calls the app. GIL held. Never fails by
    /// itself: an app exception or invalid result is reported by the next next() as
    /// Chunk::Kind::failed. `sink` is used until finish(); it may be null when the worker
    /// wants write() to fail (it then raises OSError). A previous exchange must be
    /// finished.
    void start(const Request& request, ResponseSink* sink);

    /// The next piece of the response. GIL held. After done/failed it keeps returning the
    /// same kind (without head).
    [[nodiscard]] Chunk next();

    /// Calls close() on the app's iterable (if any and not yet called), drops the environ
    /// and detaches wsgi.input / start_response / write from the request so references the
    /// app kept cannot reach freed memory. GIL held. Returns false if close() raised; the
    /// traceback is then in error_text(). Idempotent.
    bool finish();

    /// The formatted traceback (or reason) of the last failure; "" when none.
    [[nodiscard]] const std::string& error_text() const;
    /// The committed head, or null before it is committed.
    [[nodiscard]] const ResponseHead* head() const;
    /// True between start() and finish().
    [[nodiscard]] bool active() const;

    struct State;  // private to src/wsgi

private:
    std::unique_ptr<State> state_;
};

}  // namespace paasrun::wsgi
