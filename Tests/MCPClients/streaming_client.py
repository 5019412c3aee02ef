"""Drives what the daemon's MCP face streams, with the MCP Python SDK, over either transport
(--transport http: the Streamable HTTP endpoint over the Unix socket; stdio: `jcs mcp`):
capabilities with listChanged, the skills as prompts, the assets as resources (and hostile
resource URIs refused), progress notifications during a `shell.run` that sleeps between lines of
output, and `notifications/*/list_changed` after a new skill file and `jcs reload-assets`, after
which the client re-lists and sees the new skill. Over http it also reads a `tools/call` as a raw
SSE stream and as JSON. Prints one JSON summary line."""

import argparse
import asyncio
import json
import subprocess
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
from mcp import ClientSession, McpError, StdioServerParameters
from mcp.client.stdio import stdio_client

from http_client import connect

SLEEPY = "echo one; sleep 0.7; echo two; sleep 0.7; echo three"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transport", choices=["http", "stdio"], required=True)
    parser.add_argument("--socket", required=True, help="the daemon's Unix socket")
    parser.add_argument("--project", required=True)
    parser.add_argument("--root", required=True, help="the project's root (a skill file is added under .jido/skills)")
    parser.add_argument("--jcs", required=True, help="the jcs executable (reload-assets; the stdio bridge)")
    return parser.parse_args()


@asynccontextmanager
async def session_for(args: argparse.Namespace, handler: Any) -> AsyncIterator[ClientSession]:
    if args.transport == "stdio":
        server = StdioServerParameters(command=args.jcs, args=["mcp", "--project", args.project, "--socket", args.socket])
        async with stdio_client(server) as (read, write):
            async with ClientSession(read, write, message_handler=handler) as session:
                yield session
    else:
        url = f"http://jcs/v1/projects/{args.project}/mcp"
        async with connect(url, args.socket, {}) as (read, write, _):
            async with ClientSession(read, write, message_handler=handler) as session:
                yield session


async def error_of(awaitable: Any) -> dict[str, Any]:
    try:
        await awaitable
    except McpError as error:
        return {"code": error.error.code, "message": error.error.message, "data": error.error.data}
    raise AssertionError("expected a JSON-RPC error")


async def raw_sse_call(args: argparse.Namespace) -> dict[str, Any]:
    """A tools/call POSTed by hand: SSE when the client accepts it, JSON when it only wants JSON."""
    url = f"http://jcs/v1/projects/{args.project}/mcp"
    call = {
        "jsonrpc": "2.0", "id": 9, "method": "tools/call",
        "params": {"name": "shell.run", "arguments": {"argv": ["sh", "-c", "echo raw"]}, "_meta": {"progressToken": "raw-1"}},
    }
    async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(uds=args.socket), timeout=60) as client:
        sse = await client.post(url, json=call, headers={"Accept": "application/json, text/event-stream"})
        events = []
        for block in sse.text.split("\n\n"):
            lines = [line for line in block.split("\n") if line]
            if not lines:
                continue
            assert lines[0] == "event: message", lines
            events.append(json.loads("\n".join(line[len("data: "):] for line in lines[1:])))
        plain = await client.post(url, json=call, headers={"Accept": "application/json"})
    assert sse.headers["content-type"].startswith("text/event-stream"), sse.headers
    assert events[-1]["id"] == 9 and events[-1]["result"]["content"][0]["text"] == "raw\n", events
    assert all(event["method"] == "notifications/progress" for event in events[:-1]), events
    assert plain.headers["content-type"].startswith("application/json"), plain.headers
    assert plain.json()["result"]["content"][0]["text"] == "raw\n", plain.text
    return {"content_type": sse.headers["content-type"], "events": [e.get("method", "result") for e in events]}


async def main() -> None:
    args = parse_args()
    notifications: list[str] = []
    changed = asyncio.Event()

    async def handler(message: Any) -> None:
        root = getattr(message, "root", None)
        method = getattr(root, "method", None)
        if isinstance(method, str) and method.endswith("list_changed"):
            notifications.append(method)
            if len(set(notifications)) >= 3:
                changed.set()

    summary: dict[str, Any] = {"transport": args.transport}
    async with session_for(args, handler) as session:
        init = await session.initialize()
        caps = init.capabilities
        assert caps.tools and caps.tools.listChanged, caps
        assert caps.prompts and caps.prompts.listChanged, caps
        assert caps.resources and caps.resources.listChanged, caps

        prompts = await session.list_prompts()
        names = sorted(p.name for p in prompts.prompts)
        assert "greet" in names, names
        prompt = await session.get_prompt("greet")
        assert prompt.messages[0].role == "user", prompt
        assert "Say hello politely." in prompt.messages[0].content.text, prompt
        summary["prompts"] = names
        summary["prompt_text"] = prompt.messages[0].content.text
        summary["prompt_with_argument"] = await error_of(session.get_prompt("greet", {"tone": "loud"}))

        resources = await session.list_resources()
        uris = sorted(str(r.uri) for r in resources.resources)
        skill_uri = f"jcs://project/{args.project}/skills/greet"
        assert skill_uri in uris, uris
        read = await session.read_resource(skill_uri)
        assert "Say hello politely." in read.contents[0].text, read
        assert read.contents[0].mimeType == "text/markdown", read
        summary["resources"] = uris
        summary["resource_text"] = read.contents[0].text
        hostile = {
            "dotdot": f"jcs://project/{args.project}/skills/..",
            "control": f"jcs://project/{args.project}/skills/gr%01eet",
            "other_project": "jcs://project/someone-else/skills/greet",
            "unknown": f"jcs://project/{args.project}/skills/nope",
            "scheme": "file:///etc/passwd",
        }
        summary["hostile"] = {name: await error_of(session.read_resource(uri)) for name, uri in hostile.items()}

        # Progress during a call that sleeps between lines of output.
        updates: list[dict[str, Any]] = []

        async def progress(value: float, total: float | None, message: str | None) -> None:
            updates.append({"progress": value, "total": total, "message": message})

        result = await session.call_tool(
            "shell.run", {"argv": ["sh", "-c", SLEEPY]}, progress_callback=progress)
        assert not result.isError, result
        summary["call_text"] = "".join(item.text for item in result.content if item.type == "text")
        summary["progress"] = updates

        # list_changed after a new skill file and a reload; then the client re-lists.
        await asyncio.sleep(0.5)  # the SDK opens its notification stream after initialized
        Path(args.root, ".jido", "skills", "added.md").write_text(
            "---\nname: added\ndescription: added while connected\n---\nA skill added at run time.\n")
        for attempt in range(5):
            subprocess.run([args.jcs, "reload-assets", args.project, "--socket", args.socket], check=True, capture_output=True)
            try:
                await asyncio.wait_for(changed.wait(), timeout=3)
                break
            except asyncio.TimeoutError:
                continue
        summary["list_changed"] = sorted(set(notifications))
        summary["relisted_prompts"] = sorted(p.name for p in (await session.list_prompts()).prompts)
        summary["relisted_resources"] = sorted(str(r.uri) for r in (await session.list_resources()).resources)

    if args.transport == "http":
        summary["raw"] = await raw_sse_call(args)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
