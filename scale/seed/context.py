"""What every step of the seed shares: the options, the clock, the random streams, the row counts."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from .copy import IdBlock, Writer

MAX_YEARS = 10


class SeedRefused(Exception):
    """Bad arguments or an existing tree: the message is for the user (Chinese)."""


@dataclass(frozen=True)
class SeedOptions:
    branches: int
    members_per_branch: int
    years: int
    seed: int = 1
    direct: bool = False

    def check(self) -> None:
        if self.branches < 1:
            raise SeedRefused(f"支部数（--branches）至少为1，当前为{self.branches}。")
        if self.members_per_branch < 1:
            raise SeedRefused(
                f"每个支部的人数（--members-per-branch）至少为1，当前为{self.members_per_branch}。"
            )
        if not 1 <= self.years <= MAX_YEARS:
            raise SeedRefused(f"年数（--years）应在1到{MAX_YEARS}之间，当前为{self.years}。")

    @property
    def root_code(self) -> str:
        return f"SCALE-{self.branches}"

    @property
    def root_name(self) -> str:
        return f"省级性能测试（{self.branches}个支部）"


@dataclass
class SeedContext:
    """One run: ``today`` in Asia/Shanghai, ``years`` ending with this one, a random stream per step."""

    options: SeedOptions
    today: dt.date
    now: dt.datetime
    ids: IdBlock = field(default_factory=IdBlock)
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(cls, options: SeedOptions, today: dt.date | None = None) -> SeedContext:
        return cls(options=options, today=today or timezone.localdate(), now=timezone.now())

    @property
    def years(self) -> list[int]:
        last = self.today.year
        return list(range(last - self.options.years + 1, last + 1))

    @property
    def first_day(self) -> dt.date:
        """The first day with seeded organisational life."""
        return dt.date(self.years[0], 1, 1)

    def rng(self, step: str) -> random.Random:
        """A stream of its own for each step: one step's draws do not shift another's."""
        return random.Random(f"{self.options.seed}:{self.options.branches}:{step}")

    def writer(self, model, columns: list[str]) -> Writer:
        return Writer(model, columns, now=self.now, counts=self.counts)

    def count(self, model) -> int:
        return self.counts.get(model._meta.label_lower, 0)
