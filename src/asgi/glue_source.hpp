// The Python half of the ASGI runtime, compiled once per worker from this source: the slow
// paths of a request (waiting in receive(), the Task of a request that suspends, its stack
// on a timeout), the Lifespan protocol and the loop helpers. The C++ half (port.cpp) builds
// scopes, runs each request's coroutine eagerly, answers receive()/send() with awaitables
// that complete at once when they can, moves bytes and wakes waiters.
#pragma once

namespace paasrun::asgi {

inline constexpr const char* kGlueSource = R"PY(
import asyncio
import inspect
import traceback


class ClientDisconnected(OSError):
    """send() after the client went away (ASGI spec 2.4: a subclass of OSError)."""


def new_loop(prefer_uvloop):
    if prefer_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.new_event_loop(), "uvloop"
    return asyncio.new_event_loop(), "asyncio"


async def wait_receive(port):
    """receive() when no message is ready yet: wait for the front end's wake-up."""
    message = port.poll_receive()
    while message is None:
        await port.recv_wait()
        message = port.poll_receive()
    return message


_enter_task = asyncio.tasks._enter_task
_leave_task = asyncio.tasks._leave_task


def format_exception(exc):
    return "".join(traceback.format_exception(exc))


def cancel_with_stack(task):
    if task is None or task.done():
        return ""
    # Task.print_stack() shows only the outermost coroutine: follow the await chain
    # down to where the app is actually waiting.
    frames, coro = [], task.get_coro()
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            frames.append((frame, frame.f_lineno))
        # (the C Resume a request's Task awaits names the app's coroutine as cr_await)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    task.cancel()
    return "".join(traceback.StackSummary.extract(frames).format())


class WsChannel:
    """receive() and send() of one WebSocket connection; `port` is the C++ WsPort. WebSocket
    tasks live for the connection, so the HTTP path's eager first step buys them nothing:
    they start as ordinary Tasks and wait on plain futures."""

    __slots__ = ("port", "loop", "task", "recv_waiter", "send_waiter", "receive", "send")

    def __init__(self, port, loop):
        self.port = port
        self.loop = loop
        self.task = None
        self.recv_waiter = None
        self.send_waiter = None
        self.receive = self._receive
        # C: returns an awaitable (Ready, or send_waiter when the output is above its
        # high-water mark), so a send costs no coroutine.
        self.send = port.send

    async def _receive(self):
        port = self.port
        message = port.receive()
        while message is None:
            self.recv_waiter = waiter = self.loop.create_future()
            await waiter
            message = port.receive()
        return message

    def wake(self):
        for name in ("recv_waiter", "send_waiter"):
            waiter = getattr(self, name)
            if waiter is not None:
                setattr(self, name, None)
                if not waiter.done():
                    waiter.set_result(None)


def register_coroutine(cls):
    """The C Resume type is a coroutine as far as asyncio is concerned (Task.__init__)."""
    import collections.abc
    collections.abc.Coroutine.register(cls)


class RequestTask(asyncio.Task):
    """The Task of one HTTP request, made lazily (docs/asgi.md "Hops and costs"). The C side
    makes it uninitialised (Task.__new__) and enters it as the current task for the app's
    eager first step, so asyncio.current_task(), sniffio, anyio and asyncio.timeout see a
    task whose identity never changes. A request that completes in that step never needs
    more: the object is dropped, with no call_soon, no registration in asyncio's task set,
    no name and no loop turn. Only when the step suspends does the C side run
    Task.__init__ on this same object (running a C Resume of the app's coroutine), which
    schedules its first step as create_task would. Until then the Future side of it is uninitialised: add_done_callback(),
    result() or get_loop() on the current task raise RuntimeError during a first step that
    does not suspend (nothing that awaits can observe that: it suspends first)."""

    __slots__ = ("_paasrun_coro",)

    def get_coro(self):
        # The app's coroutine (what anyio's TaskInfo and stack dumps want), rather than the
        # C Resume around it; C Task's own get_coro() crashes on a task before __init__.
        coro = getattr(self, "_paasrun_coro", None)
        return coro if coro is not None else self._coro


class Server:
    """The request side. The C side runs each request's first step at once, with a
    RequestTask entered as the current task (sniffio, anyio and asyncio.timeout need one)
    and in the request's context; a request that completes in that step is answered in the
    same io_context::poll, with no Task scheduled and no loop turn. One that suspends goes
    on in its RequestTask."""

    def __init__(self, app, loop):
        self.app = app
        self.loop = loop
        self.state = None  # the lifespan state, when the app supports lifespan

    def start_websocket(self, port, scope):
        channel = WsChannel(port, self.loop)
        channel.task = self.loop.create_task(self._run_websocket(channel, scope))
        return channel

    async def _run_websocket(self, channel, scope):
        try:
            await self.app(scope, channel.receive, channel.send)
        except BaseException as e:
            channel.port.finish(traceback.format_exc(), isinstance(e, (ClientDisconnected, asyncio.CancelledError)))
        else:
            channel.port.finish(None, False)

    async def drain(self, grace, cancel_wait):
        # Request tasks are RequestTasks, WebSocket tasks run _run_websocket (no registry on
        # the hot path). Those still running after `grace` are cancelled (their stacks
        # returned, for the log) and get `cancel_wait` to unwind.
        code = Server._run_websocket.__code__
        tasks = {t for t in asyncio.all_tasks()
                 if isinstance(t, RequestTask) or getattr(t.get_coro(), "cr_code", None) is code}
        if tasks and grace > 0:
            await asyncio.wait(tasks, timeout=grace)
        left = [t for t in tasks if not t.done()]
        stacks = [cancel_with_stack(t) for t in left]
        if left:
            await asyncio.wait(left, timeout=cancel_wait)
        return stacks


def _settle(future, value):
    if future is not None and not future.done():
        future.set_result(value)


class Lifespan:
    """The ASGI lifespan protocol, run once per worker."""

    def __init__(self, app, loop, server):
        self.app = app
        self.loop = loop
        self.server = server
        self.state = {}
        self.inbox = None
        self.started = None
        self.stopped = None
        self.task = None
        self.supported = False

    async def startup(self):
        self.inbox = asyncio.Queue()
        self.started = self.loop.create_future()
        self.stopped = self.loop.create_future()
        self.task = self.loop.create_task(self._main())
        await self.inbox.put({"type": "lifespan.startup"})
        kind, message = await self.started
        if kind == "ok":
            self.supported = True
            self.server.state = self.state
        return kind, message

    async def shutdown(self):
        if not self.supported or self.task is None or self.task.done():
            return "skipped", ""
        await self.inbox.put({"type": "lifespan.shutdown"})
        return await self.stopped

    async def _main(self):
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": self.state}
        try:
            await self.app(scope, self._receive, self._send)
        except BaseException:
            text = traceback.format_exc()
            if not self.started.done():
                _settle(self.started, ("unsupported", text))
            else:
                _settle(self.stopped, ("failed", text))
        else:
            _settle(self.started, ("unsupported", "the app returned without answering lifespan.startup"))
            _settle(self.stopped, ("ok", ""))

    async def _receive(self):
        return await self.inbox.get()

    async def _send(self, message):
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            _settle(self.started, ("ok", ""))
        elif kind == "lifespan.startup.failed":
            _settle(self.started, ("failed", str(message.get("message", ""))))
        elif kind == "lifespan.shutdown.complete":
            _settle(self.stopped, ("ok", ""))
        elif kind == "lifespan.shutdown.failed":
            _settle(self.stopped, ("failed", str(message.get("message", ""))))
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} in the lifespan protocol")


def run_loop(loop, fd, on_readable):
    asyncio.set_event_loop(loop)
    loop.add_reader(fd, on_readable)
    loop.call_soon(on_readable)
    try:
        loop.run_forever()
    finally:
        loop.remove_reader(fd)


def run_until(loop, coro, timeout):
    asyncio.set_event_loop(loop)
    if timeout is not None:
        coro = asyncio.wait_for(coro, timeout)
    return loop.run_until_complete(coro)
)PY";

// Interface detection runs in every worker, WSGI ones included, so it must not import
// asyncio: that imports ssl, and a WSGI worker would map libssl/libcrypto for nothing
// (test_serve_lean_worker.py). An app whose coroutines carry asyncio's marker (asgiref's
// markcoroutinefunction) has imported asyncio itself, so it is asked only when loaded.
inline constexpr const char* kDetectSource = R"PY(
import inspect
import sys


def looks_like_asgi(app):
    if inspect.isclass(app):
        return False
    aio = sys.modules.get("asyncio")

    def is_coroutine_function(f):
        return inspect.iscoroutinefunction(f) or (aio is not None and aio.iscoroutinefunction(f))

    if is_coroutine_function(app):
        return True
    call = getattr(app, "__call__", None)
    return call is not None and is_coroutine_function(call)
)PY";

}  // namespace paasrun::asgi
