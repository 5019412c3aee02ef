"""A local OpenAI-compatible chat-completions endpoint for the agent loop's tests, written from
the API reference (POST /v1/chat/completions with stream=true): text/event-stream over chunked
HTTP/1.1, one `data: {chat.completion.chunk}` event per chunk, tool calls whose
function.arguments arrive in fragments (id, type and name only in the first), the usage in a last
chunk with empty choices when stream_options.include_usage is set, then `data: [DONE]`.

The behaviour is scripted by the newest user message, `scenario:NAME` (anything after a space is
ignored, so tests make each message unique); the step is the number of assistant messages after
it. Every request and every client disconnect is appended to --log as a JSON line. Prints the
port it listens on, then serves until killed. Standard library only.
"""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG_LOCK = threading.Lock()
ATTEMPTS: dict = {}
ATTEMPTS_LOCK = threading.Lock()


def log(path, record):
    with LOG_LOCK, open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def chunk(delta=None, finish=None, usage=None, choices=True):
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "fake-model",
        "system_fingerprint": None,
        "choices": [],
    }
    if choices:
        body["choices"] = [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish}]
    if usage is not None:
        body["usage"] = usage
    return body


def text_chunks(text, pieces=3):
    size = max(1, len(text) // pieces)
    parts = [text[i : i + size] for i in range(0, len(text), size)]
    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": p}) for p in parts]
    out.append(chunk({}, finish="stop"))
    return out


def call_chunks(calls, content=None):
    """calls: [(id, name, arguments_text)]; the arguments of all calls are interleaved in
    fragments of 7 characters, as parallel calls arrive from real endpoints."""
    out = [chunk({"role": "assistant", "content": content})]
    for index, (call_id, name, _) in enumerate(calls):
        out.append(
            chunk({"tool_calls": [{"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]})
        )
    fragments = [[args[i : i + 7] for i in range(0, len(args), 7)] for (_, _, args) in calls]
    for round_ in range(max((len(f) for f in fragments), default=0)):
        for index, pieces in enumerate(fragments):
            if round_ < len(pieces):
                out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": pieces[round_]}}]}))
    out.append(chunk({}, finish="tool_calls"))
    return out


def shell(call_id, argv):
    return (call_id, "shell_run", json.dumps({"argv": argv}))


def tool_messages(messages):
    last_user = max(i for i, m in enumerate(messages) if m.get("role") == "user")
    return [m for m in messages[last_user:] if m.get("role") == "tool"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1"

    def log_message(self, *args):
        pass

    def send_chunked(self, data: bytes):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def events(self, chunks, usage, delay=0.0, cut_after=None):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        if usage is not None:
            chunks = chunks + [chunk(usage=usage, choices=False)]
        for n, c in enumerate(chunks):
            if cut_after is not None and n == cut_after:
                # The connection ends mid-answer: no terminating chunk, no [DONE].
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            self.send_chunked(b"data: " + json.dumps(c).encode() + b"\n\n")
            if delay:
                time.sleep(delay)
        self.send_chunked(b"data: [DONE]\n\n")
        self.send_chunked(b"")

    def error(self, status, message, headers=()):
        body = json.dumps({"error": {"message": message, "type": "fake", "param": None, "code": None}}).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length))
        messages = request.get("messages", [])
        users = [m for m in messages if m.get("role") == "user"]
        text = (users[-1].get("content") or "") if users else ""
        scenario = text.split(" ")[0].removeprefix("scenario:")
        last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=0)
        step = sum(1 for m in messages[last_user:] if m.get("role") == "assistant")
        with ATTEMPTS_LOCK:
            ATTEMPTS[text] = ATTEMPTS.get(text, 0) + 1
            attempt = ATTEMPTS[text]
        auth = self.headers.get("Authorization", "")
        log(
            self.server.log_path,
            {
                "event": "request", "path": self.path, "scenario": scenario, "step": step, "attempt": attempt,
                "authorization": auth, "stream": request.get("stream"), "stream_options": request.get("stream_options"),
                "tool_choice": request.get("tool_choice"), "model": request.get("model"),
                "tools": [t["function"]["name"] for t in request.get("tools", [])],
                "messages": messages, "at": time.time(),
            },
        )
        if self.path != "/v1/chat/completions":
            return self.error(404, "no such path")
        usage = {"prompt_tokens": 10 + len(messages), "completion_tokens": 5, "total_tokens": 15 + len(messages)}
        tools = tool_messages(messages)
        try:
            self.scenario(scenario, step, attempt, tools, usage, auth)
        except (BrokenPipeError, ConnectionResetError):
            log(self.server.log_path, {"event": "disconnected", "scenario": scenario, "at": time.time()})

    def scenario(self, scenario, step, attempt, tools, usage, auth):
        if scenario == "final":
            return self.events(text_chunks("Hello from the fake model."), usage)
        if step > 0 and scenario not in ("loop", "echo_key"):
            summary = "results: " + " | ".join(t.get("content") or "" for t in tools)
            return self.events(text_chunks(summary[:2000]), usage)
        if scenario == "one_tool":
            return self.events(call_chunks([shell("call_one", ["echo", "hello-from-sandbox"])]), usage)
        if scenario == "parallel":
            calls = [shell("call_a", ["echo", "alpha"]), shell("call_b", ["echo", "beta"]), shell("call_c", ["echo", "gamma"])]
            return self.events(call_chunks(calls), usage)
        if scenario == "denied":
            return self.events(call_chunks([("call_d", "fs_read", json.dumps({"path": "../../etc/shadow"}))]), usage)
        if scenario == "unknown":
            return self.events(call_chunks([("call_u", "no_such_tool", "{}")]), usage)
        if scenario == "invalid_args":
            return self.events(call_chunks([("call_i", "shell_run", '{"argv": ["echo", ')]), usage)
        if scenario == "huge_args":
            return self.events(call_chunks([("call_h", "shell_run", json.dumps({"argv": ["echo", "x" * 100_000]}))]), usage)
        if scenario == "loop":
            return self.events(call_chunks([shell("call_loop_%d" % step, ["true"])]), usage)
        if scenario == "rate_limited" and attempt == 1:
            return self.error(429, "slow down", [("Retry-After", "1")])
        if scenario == "server_error" and attempt == 1:
            return self.error(500, "internal error")
        if scenario in ("rate_limited", "server_error"):
            return self.events(text_chunks("recovered after attempt %d" % attempt), usage)
        if scenario == "cut":
            calls = [shell("call_cut", ["echo", "never-runs"])]
            return self.events(call_chunks(calls), usage, cut_after=3)
        if scenario == "slow":
            time.sleep(5)
            return self.events(text_chunks("too late"), usage)
        if scenario == "sleep_tool":
            return self.events(call_chunks([shell("call_sleep", ["sleep", "3600.%d" % self.server.server_port])]), usage)
        if scenario == "hang":
            # One piece of text, then nothing but SSE comments until the client goes away.
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.send_chunked(b"data: " + json.dumps(chunk({"role": "assistant", "content": "thinking"})).encode() + b"\n\n")
            log(self.server.log_path, {"event": "hanging", "at": time.time()})
            for _ in range(600):
                time.sleep(0.1)
                self.send_chunked(b": still thinking\n\n")
            return None
        if scenario == "echo_key":
            key = auth.removeprefix("Bearer ")
            if step == 0:
                # The key, split across deltas and inside a tool call's arguments.
                half = len(key) // 2
                chunks = [chunk({"role": "assistant", "content": "my key is " + key[:half]}), chunk({"content": key[half:] + " ok"})]
                call = call_chunks([shell("call_k", ["echo", key])])
                return self.events(chunks + call[1:], usage)
            return self.events(text_chunks("again: " + key), usage)
        return self.error(400, "unknown scenario '%s'" % scenario)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.log_path = args.log
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
