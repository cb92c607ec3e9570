"""Filebeat events → PostgreSQL binary COPY tuples, natively (see src/lib.rs)."""

COPY_HEADER: bytes
"""Start of a binary COPY stream: signature, no flags, no header extension."""
COPY_TRAILER: bytes
"""End of a binary COPY stream."""

def encode(
    values: list[bytes | None], offsets: list[int], partition: int
) -> tuple[bytes, int, list[tuple[int, str]], list[int]]:
    """(COPY tuples without header or trailer, rows, [(index, reason)] of the malformed
    values, the rows' UTC days as days since 1970, each once)."""
