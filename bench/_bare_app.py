"""The baseline of bench/api_reads.py: a bare FastAPI endpoint, nothing behind it."""

from fastapi import FastAPI

app = FastAPI()
PAYLOAD: dict[str, object] = {
    "items": [{"id": i, "image": f"reads/app:{i}", "phase": "succeeded"} for i in range(5)]
}


@app.get("/v1/ping")
async def ping() -> dict[str, object]:
    return PAYLOAD
