"""sessiond: a local history service for chat sessions in editors."""

__version__ = "0.1.0"

# The wire protocol version announced in `initialize` (contract version 1).
PROTOCOL_VERSION = 1
DEFAULT_MAX_TEXT_BYTES = 1_048_576
