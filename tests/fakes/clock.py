"""A fake clock for the tests: retries "sleep" on it and tokens expire by it, so a test can wait
ten seconds, or an hour, in no time; and it tells the wall-clock time, so a test can move the
date (a scheduled run at 22:30 every day for nine days) without waiting for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: float = 1_000.0, wall: datetime | None = None) -> None:
        self.now = start
        """The steady clock (`monotonic`), in seconds."""
        self.slept: list[float] = []
        """Every wait asked of the clock, in order."""
        self._start = start
        self._wall = (wall or datetime(2024, 1, 1, tzinfo=UTC)).astimezone(UTC)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def utc(self) -> datetime:
        """The wall-clock time, aware UTC: `wall` moved on as far as the steady clock has."""
        return self._wall + timedelta(seconds=self.now - self._start)

    def utcnow(self) -> datetime:
        """The wall-clock time as the ledger stores it: naive UTC."""
        return self.utc().replace(tzinfo=None)

    def move_to(self, moment: datetime) -> None:
        """Move the clock forward to `moment` (never back: a clock does not go back)."""
        seconds = (moment - self.utc()).total_seconds()
        if seconds < 0:
            raise ValueError(f"{moment} is before the clock's time, {self.utc()}")
        self.advance(seconds)
