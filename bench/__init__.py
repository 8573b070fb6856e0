"""The sessiond benchmark: `python -m bench` (see bench/README.md).

Nothing here is part of the product. The floors (`floors.py`, `stdlib_loop.py`)
are deliberately minimal programs that do the same SQLite work as sessiond
with nothing around it, so that sessiond's own cost can be read as a ratio.
"""
