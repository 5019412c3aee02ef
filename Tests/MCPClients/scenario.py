"""The scenario both transports run with the official MCP Python SDK (a third-party client):
initialize, list the tools, a call that succeeds, a call the policy denies, an unknown tool.

Each check that fails raises; the caller prints one JSON summary line on stdout for the Swift
test to assert on as well.
"""

import argparse
from typing import Any

from mcp import ClientSession


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--socket", help="the daemon's Unix socket")
    parser.add_argument("--url", help="http only: the endpoint over TCP instead of the Unix socket")
    parser.add_argument("--token", help="http only: the bearer token the TCP listener requires")
    parser.add_argument("--project", required=True, help="the project's id")
    parser.add_argument("--file", required=True, help="a file of the project to read")
    parser.add_argument("--content", required=True, help="what that file holds")
    parser.add_argument("--correlation-id", required=True, help="sent as _meta.correlation_id on the read")
    parser.add_argument("--jcs", help="the jcs executable (stdio only)")
    return parser.parse_args()


def text_of(result: Any) -> str:
    return "".join(item.text for item in result.content if getattr(item, "type", None) == "text")


async def call(session: ClientSession, name: str, arguments: dict[str, Any], correlation_id: str | None = None) -> Any:
    if correlation_id is None:
        return await session.call_tool(name, arguments)
    try:
        return await session.call_tool(name, arguments, meta={"correlation_id": correlation_id})
    except TypeError:
        # SDKs before `meta=` was added: the read still runs, under a generated correlation id.
        return await session.call_tool(name, arguments)


async def run(session: ClientSession, args: argparse.Namespace, transport: str) -> dict[str, Any]:
    init = await session.initialize()
    assert init.serverInfo.name == "jcs", init.serverInfo
    assert init.capabilities.tools is not None, init.capabilities

    tools = await session.list_tools()
    names = sorted(tool.name for tool in tools.tools)
    assert "fs.read" in names, names
    fs_read = next(tool for tool in tools.tools if tool.name == "fs.read")
    assert fs_read.inputSchema.get("required") == ["path"], fs_read.inputSchema

    await session.send_ping()

    read = await call(session, "fs.read", {"path": args.file}, args.correlation_id)
    assert not read.isError, text_of(read)
    assert text_of(read) == args.content, text_of(read)
    assert read.structuredContent["status"] == "completed", read.structuredContent

    denied = await call(session, "fs.read", {"path": "../../etc/passwd"})
    assert denied.isError, text_of(denied)
    assert denied.structuredContent["reason"] == "policy_denied", denied.structuredContent
    assert "policy_denied" in text_of(denied), text_of(denied)

    unknown = await call(session, "no.such.tool", {})
    assert unknown.isError, text_of(unknown)
    assert unknown.structuredContent["reason"] == "unknown_tool", unknown.structuredContent

    return {
        "transport": transport,
        "protocol_version": init.protocolVersion,
        "server_name": init.serverInfo.name,
        "tools": names,
        "read": {
            "is_error": read.isError,
            "text": text_of(read),
            "correlation_id": read.structuredContent.get("correlation_id"),
        },
        "denied": {
            "is_error": denied.isError,
            "text": text_of(denied),
            "reason": denied.structuredContent.get("reason"),
            "reason_codes": denied.structuredContent.get("reason_codes"),
        },
        "unknown": {"is_error": unknown.isError, "reason": unknown.structuredContent.get("reason")},
    }
