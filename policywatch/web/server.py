"""Serving the app with uvicorn: in the foreground (``policywatch serve``) or in a thread
(tests, the benchmark), on a socket bound before anything else runs, so a busy port is one
clear error and port 0 picks a free one whose number is known at once."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

from policywatch.settings import AlertSettings, WebSettings
from policywatch.web.state import WebState


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6 by the address).

    Raises:
        OSError: the address is in use or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class WebServer:
    """The app under uvicorn on one socket; mirrors the stdlib server's surface
    (``server_address``, ``serve_forever``, ``shutdown``, ``server_close``).

    Args:
        state: the loaded state (:meth:`WebState.load`).
        sock: a bound socket (:func:`bind`).
    """

    def __init__(self, state: WebState, sock: socket.socket) -> None:
        import uvicorn

        from policywatch.web.app import create_app

        self.state = state
        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        self.url = base_url(sock)
        if state.public_url is None:
            state.public_url = self.url
        config = uvicorn.Config(create_app(state), log_level="warning", access_log=False,
                                lifespan="on", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (or Ctrl-C in the main thread)."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def start(self) -> WebServer:
        """Serve in a daemon thread; return once the server answers."""
        thread = threading.Thread(target=self.serve_forever, daemon=True,
                                  name="policywatch-web")
        thread.start()
        while not self.server.started and not self._stopped.is_set():
            self._stopped.wait(0.02)
        return self

    def shutdown(self) -> None:
        """Stop serving and wait until the server has stopped."""
        self.server.should_exit = True
        self._stopped.wait(10)

    def server_close(self) -> None:
        self.socket.close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


def make_server(db_path: Path, host: str = "127.0.0.1", port: int = 8000,
                public_url: str | None = None, *, web: WebSettings | None = None,
                alerts: AlertSettings | None = None, embedder: Any = None,
                update: bool = False) -> WebServer:
    """Bind the web app (port 0 picks a free port) and load its state; call
    ``serve_forever()`` or ``start()``.

    ``embedder`` None serves search on words and translation (quick to start, as tests
    want); ``...`` loads the configured model as ``policywatch serve`` does.
    """
    sock = bind(host, port)
    try:
        state = WebState(db_path, web=web, alerts=alerts, public_url=public_url,
                         embedder=embedder)
        state.load(update=update)
        return WebServer(state, sock)
    except BaseException:
        sock.close()
        raise
