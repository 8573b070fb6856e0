"""The wire both sides speak: the contract's types and tables, and the framing.

`methods` (the method and notification tables), `params` (each method's
params and results as typed classes), `convert` (JSON <-> those classes,
strictly), `framing` (Content-Length frames, no I/O). The daemon
(`sessiond.daemon`) and the terminal client (`sessiond.cli.chat`) both build
on it; it imports neither.
"""
