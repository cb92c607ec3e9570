"""The queries of the analysis domain: a release's samples."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from release_api.models import AnalysisSample


class SampleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_release(self, release_id: uuid.UUID, wave: int | None) -> list[AnalysisSample]:
        """Every sample of the release (or of one wave), in the order they were taken."""
        query = select(AnalysisSample).where(AnalysisSample.release_id == release_id)
        if wave is not None:
            query = query.where(AnalysisSample.wave == wave)
        return list((await self.session.execute(query.order_by(AnalysisSample.id))).scalars())
