"""sessiond: a local history service for chat sessions in editors."""

__version__ = "0.1.0"

# The wire protocol version announced in `initialize` (contract version 3).
PROTOCOL_VERSION = 3
DEFAULT_MAX_TEXT_BYTES = 1_048_576
