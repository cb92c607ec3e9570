"""Filebeat events → PostgreSQL binary COPY tuples, natively (see src/lib.rs)."""

def encode(
    values: list[bytes | None], offsets: list[int], partition: int
) -> tuple[bytes, int, list[tuple[int, str]], list[int]]:
    """(COPY tuples without header or trailer, rows, [(index, reason)] of the malformed
    values, the rows' UTC days as days since 1970, each once)."""
