"""Background exports: a list too long for a page's download, written to a file by the scheduler process."""

from datetime import datetime
from pathlib import Path

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

FINISHED = ("succeeded", "failed")


class ExportJob(Base):
    """One export asked for from a list page; only its requester may open it. Status is a RunStatus."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # firms / indicators / members / worklist
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # the list's cleaned parameters
    download_name: Mapped[str] = mapped_column(String(200))  # without the extension, which follows the format
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    file: Mapped[str | None] = mapped_column(String(500))
    truncated: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)
    runner: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def filename(self) -> str:
        return self.download_name + (Path(self.file).suffix if self.file else ".xlsx")
