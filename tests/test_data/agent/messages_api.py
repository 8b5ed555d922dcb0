"""A scripted Anthropic Messages API on loopback, for the anthropic brain's tests.

``MessagesAPI(script)`` serves ``POST /v1/messages`` on 127.0.0.1 (a free
port) from a thread. ``script(request, n)`` gets the decoded JSON request and
its 0-based index and returns ``(status, body, headers)``; helpers below build
the bodies the real API sends. Every request is kept in ``.requests``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def usage(inp: int = 100, out: int = 20, cache_write: int = 0, cache_read: int = 0) -> dict:
    return {"input_tokens": inp, "output_tokens": out, "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read}


def message(content: list[dict], *, stop_reason: str = "end_turn", use: dict | None = None, n: int = 0) -> dict:
    return {"id": f"msg_{n:04d}", "type": "message", "role": "assistant", "model": "claude-test",
            "content": content, "stop_reason": stop_reason, "stop_sequence": None, "usage": use or usage()}


def tool_use(name: str, args: dict, *, n: int = 0, use: dict | None = None, text: str | None = None) -> tuple:
    blocks = ([{"type": "text", "text": text}] if text else []) + [
        {"type": "tool_use", "id": f"toolu_{n:04d}", "name": name, "input": args}]
    return 200, message(blocks, stop_reason="tool_use", use=use, n=n), {}


def text(t: str, *, n: int = 0, use: dict | None = None) -> tuple:
    return 200, message([{"type": "text", "text": t}], use=use, n=n), {}


def error(status: int, kind: str, msg: str, retry_after: str | None = "0") -> tuple:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return status, {"type": "error", "error": {"type": kind, "message": msg}}, headers


class MessagesAPI:
    def __init__(self, script) -> None:
        self.script = script
        self.requests: list[dict] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                n = len(api.requests)
                api.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                status, payload, headers = api.script(body, n)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", f"req_{n}")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
