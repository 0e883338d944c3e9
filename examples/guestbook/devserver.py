"""A small threaded WSGI server for the `web:` process until paasrun's embedded server
(`paasrun serve app:application`) exists. Standard library only: wsgiref.simple_server
with one thread per connection (socketserver.ThreadingMixIn).

    python3 devserver.py [module:callable]     (default app:application)

Listens on 0.0.0.0:$PORT (PORT defaults to 5000, as foreman's base port). SIGTERM or
SIGINT: stop accepting, let the requests in flight finish, exit 0.
"""
import importlib
import os
import signal
import socketserver
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    # Non-daemon request threads that server_close() joins: in-flight requests finish.
    daemon_threads = False
    block_on_close = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        # One access-log line on stdout, flushed, so the supervisor relays it at once.
        print(f"devserver: {self.address_string()} {format % args}", flush=True)


def load_app(spec: str):
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr or "application")


def main(argv) -> int:
    spec = argv[1] if len(argv) > 1 else "app:application"
    try:
        port = int(os.environ.get("PORT", "5000"))
    except ValueError:
        print(f"devserver: error: PORT must be a number, got {os.environ['PORT']!r}",
              file=sys.stderr, flush=True)
        return 2
    app = load_app(spec)
    # Block the stop signals before any thread starts (threads inherit the mask), so
    # they are taken only by sigwait() below, in this thread.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    server = ThreadingWSGIServer(("0.0.0.0", port), QuietHandler)
    server.set_app(app)
    serving = threading.Thread(target=server.serve_forever, name="serve_forever")
    serving.start()
    print(f"devserver: serving {spec} on http://0.0.0.0:{server.server_port} pid={os.getpid()}",
          flush=True)
    signum = signal.sigwait(STOP_SIGNALS)
    print(f"devserver: received {signal.Signals(signum).name}; finishing requests in flight",
          flush=True)
    server.shutdown()      # stops serve_forever, so no new connections are accepted
    server.server_close()  # joins the request threads, then closes the socket
    serving.join()
    print("devserver: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
