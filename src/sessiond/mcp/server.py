"""The MCP side: the official SDK's low-level server on stdio, serving the
tools of `tools.TOOLS` from one read-only store.

The only module that imports the SDK (about half a second of imports), and
only `serve_mcp` imports it, so no other command pays for it. `tools/list`
hands out each tool's input and output schema with `readOnlyHint`;
`tools/call` answers text plus structured content, or a tool error
(`isError`) saying what was wrong. An unknown tool name is the protocol
error the MCP specification asks for.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from sessiond import __version__
from sessiond.errors import SessiondError
from sessiond.mcp.history import History
from sessiond.mcp.pipes import stdio
from sessiond.mcp.tools import TOOLS, Answer, ToolError

logger = logging.getLogger(__name__)

INSTRUCTIONS = (
    "sessiond keeps this person's past chat sessions with AI tools and editors "
    "(Claude Code, Codex, aider, llm and others), on their own machine. Search them "
    "with search_history to recall earlier decisions, fixes and reasons; read one "
    "with read_session; list the newest with list_sessions. Nothing here can change "
    "the history."
)


def _tool_list() -> list[types.Tool]:
    return [
        types.Tool(
            name=t.name,
            title=t.title,
            description=t.description,
            input_schema=t.input_schema,
            output_schema=t.output_schema,
            annotations=types.ToolAnnotations(
                title=t.title,
                read_only_hint=True,
                destructive_hint=False,
                idempotent_hint=True,
                open_world_hint=False,
            ),
        )
        for t in TOOLS.values()
    ]


def _failed(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


def call(history: History, name: str, arguments: dict[str, Any] | None) -> types.CallToolResult:
    """One tool call, answered: never raises for anything the caller sent."""
    tool = TOOLS.get(name)
    if tool is None:
        raise MCPError(
            code=types.INVALID_PARAMS,
            message=f"Unknown tool: {name!r}; this server has {', '.join(TOOLS)}",
        )
    try:
        answer: Answer = tool.run(history.store, arguments or {})
    except ToolError as exc:
        return _failed(exc.message)
    except SessiondError as exc:  # the database could not be read: locked, damaged
        return _failed(exc.message)
    except Exception:
        logger.exception("%s failed", name)
        return _failed(f"{name} failed inside sessiond (a bug; its log has the details)")
    return types.CallToolResult(
        content=[types.TextContent(text=answer.text)], structured_content=answer.data
    )


def build(history: History) -> Server[Any]:
    listed = _tool_list()

    async def on_list_tools(
        _ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listed)

    async def on_call_tool(
        _ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        # The store is used from this one thread: SQLite answers in well under
        # a millisecond to a few, and one client asks one thing at a time.
        return call(history, params.name, params.arguments)

    server: Server[Any] = Server(
        "sessiond",
        version=__version__,
        title="sessiond: your chat history",
        instructions=INSTRUCTIONS,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )
    return server


def run(history: History) -> None:
    """Serve MCP on stdin/stdout until the client closes stdin."""
    server = build(history)

    async def main() -> None:
        async with stdio() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)
