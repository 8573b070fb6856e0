"""The daemon (`sessiond serve`): JSON-RPC on stdio for editors and the terminal chat.

`server` (pygls wiring, the LSP lifecycle, dispatch, output), `methods` (the
one table of how each contract method is served), `stdio` (pipes, threads,
flow control), `notify` (the change feed sent as notifications),
`chat_send` and `engine` (`chat/send` and its OpenAI-compatible client).
It speaks the wire (`sessiond.wire`) and serves the store
(`sessiond.store`); nothing here imports the command line.
"""
