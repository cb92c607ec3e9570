"""What the pods endpoints answer."""

from __future__ import annotations

from pydantic import BaseModel


class IsolatedPod(BaseModel):
    cluster: str
    namespace: str
    pod: str
    phase: str
    isolated_at: str | None
    isolated_by: str | None
