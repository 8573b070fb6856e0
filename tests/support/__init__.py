"""What the tests share: drivers of the real programs and stand-ins that
follow a public format, imported as `support.<module>` (pytest puts
`tests/` on the path: `pythonpath` in pyproject.toml).

- `rawpipe`: a daemon on real pipes, spoken to frame by frame;
- `daemon`: the same with timeouts, integrity checks and snapshots of the
  file, for the reliability tests that kill and starve it;
- `terminal`: a command on a pty, typed at like a terminal emulator would;
- `engine`: the OpenAI-compatible chat engine stand-in (its SSE stream as
  openai-python reads it), with failures on demand;
- `importing`: reading what an import stored;
- `mcpkit`: an MCP client session on `sessiond mcp`;
- `postgres`: skipping or failing when psycopg is missing;
- `speed`: a daemon for the fast-path checks.
"""
