"""Drives `jcs mcp --project ID` with the MCP Python SDK's stdio client, the way an agent client
(Claude Desktop, an IDE) spawns it, and prints one JSON summary line."""

import asyncio
import json

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from scenario import parse_args, run


async def main() -> None:
    args = parse_args(__doc__)
    assert args.jcs, "--jcs is required for the stdio transport"
    server = StdioServerParameters(command=args.jcs, args=["mcp", "--project", args.project, "--socket", args.socket])
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            summary = await run(session, args, "stdio")
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
