"""Alert webhooks: every alert event, POSTed as its CloudEvent (structured JSON) to each URL.

A consumer of `flotilla.alerts.v1` (the runtime's runner: deduplicated by event id, offsets
committed after handling). A URL that does not answer 2xx makes the handler fail, so the
runner retries with backoff; after its last attempt the event is kept as a dead letter.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts import CloudEvent


class WebhookSender:
    def __init__(self, urls: list[str], *, timeout_s: float = 5.0) -> None:
        self._urls = urls
        self._http = httpx.AsyncClient(timeout=timeout_s)

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        body = {
            "specversion": event.specversion,
            "id": event.id,
            "source": event.source,
            "type": event.type,
            "subject": event.subject,
            "time": event.time.isoformat(),
            "datacontenttype": "application/json",
            "data": event.data,
        }
        for url in self._urls:
            r = await self._http.post(
                url, json=body, headers={"Content-Type": "application/cloudevents+json"}
            )
            if r.status_code >= 300:
                raise httpx.HTTPStatusError(
                    f"webhook {url} answered {r.status_code}", request=r.request, response=r
                )
