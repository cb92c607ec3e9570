"""What the pods endpoints answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class IsolatedPod(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cluster": "idc-a-1",
                    "namespace": "shop-prod",
                    "pod": "shop-7d9f-abcde",
                    "phase": "Running",
                    "isolated_at": "2026-12-05T09:30:00Z",
                    "isolated_by": "ada",
                }
            ]
        }
    )

    cluster: str
    namespace: str
    pod: str
    phase: str
    isolated_at: str | None
    isolated_by: str | None
