"""A fake steady clock for the source tests: retries "sleep" on it and tokens expire by it, so
a test can wait ten seconds, or an hour, in no time."""

from __future__ import annotations


class FakeClock:
    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        """Every wait asked of the clock, in order."""

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds
