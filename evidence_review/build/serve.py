"""Serve a built book on a free localhost port (for the browser tests and the PDF)."""

from __future__ import annotations

import functools
import http.server
import socketserver
import threading
from contextlib import contextmanager
from pathlib import Path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file handler that keeps test output readable, with optional path rewrites: the
    single-page build writes its page's asset links as if assets sat beside it in chapters/
    ("_static/..."), so /chapters/_static/x must be served from /_static/x."""

    rewrites: dict[str, str] = {}

    def log_message(self, *args) -> None:
        pass

    def translate_path(self, path: str) -> str:
        for old, new in self.rewrites.items():
            if path.startswith(old):
                path = new + path[len(old):]
        return super().translate_path(path)


@contextmanager
def serve_directory(directory: Path, rewrites: dict[str, str] | None = None):
    """Yield the base URL of ``directory`` served on 127.0.0.1 until the block ends."""
    handler_class = type("Handler", (QuietHandler,), {"rewrites": dict(rewrites or {})})
    handler = functools.partial(handler_class, directory=str(directory))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
