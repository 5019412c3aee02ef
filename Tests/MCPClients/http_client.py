"""Drives the daemon's Streamable HTTP endpoint (POST /v1/projects/ID/mcp) with the MCP Python
SDK's streamable HTTP client, over its Unix socket or (with --url and --token) over the TCP
listener with a bearer token, and prints one JSON summary line."""

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import httpx
from mcp import ClientSession

from scenario import parse_args, run


def unix_client(socket: str | None, headers: dict[str, str] | None = None, timeout: Any = None, auth: Any = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(uds=socket) if socket else None,
        headers=headers,
        timeout=timeout or httpx.Timeout(30.0, read=300.0),
        auth=auth,
    )


@asynccontextmanager
async def connect(url: str, socket: str | None, headers: dict[str, str]) -> AsyncIterator[tuple[Any, Any, Any]]:
    try:
        from mcp.client.streamable_http import streamable_http_client
    except ImportError:
        # SDKs before 1.24 take a factory instead of a client.
        from mcp.client.streamable_http import streamablehttp_client

        factory = lambda headers=None, timeout=None, auth=None: unix_client(socket, headers, timeout, auth)
        async with streamablehttp_client(url, headers=headers, httpx_client_factory=factory) as streams:
            yield streams
        return
    async with unix_client(socket, headers) as client:
        async with streamable_http_client(url, http_client=client) as streams:
            yield streams


async def main() -> None:
    args = parse_args(__doc__)
    # The host is ignored over a Unix socket; the path is what the daemon routes on.
    url = args.url or f"http://jcs/v1/projects/{args.project}/mcp"
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    async with connect(url, None if args.url else args.socket, headers) as (read, write, get_session_id):
        async with ClientSession(read, write) as session:
            summary = await run(session, args, "http")
            summary["session_id"] = get_session_id()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
