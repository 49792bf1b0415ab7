"""Rules of 换届选举 (DOMAIN §1 "Elections", 《中国共产党基层组织选举工作条例》 2020): plain values only.

- the election meeting is valid when at least four fifths of the members entitled to vote attend;
- committee members are elected from at least 20 % more candidates than seats (差额), rounded up; the
  secretary and the deputy may be elected with as many candidates as seats (等额);
- a candidate is elected with yes votes from more than half of the members entitled to vote who should
  attend (应到会) — exactly half is not enough; when more pass than seats, the most votes win; a tie at
  the last seat goes to a new ballot between the tied; too few elected leaves seats for a further election;
- a round whose returned ballots exceed those issued is void.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

QUORUM = (4, 5)  # 不少于五分之四
MIN_EXTRA_CANDIDATES = (1, 5)  # 差额不少于20%


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def quorum_met(entitled: int, present: int) -> bool:
    """At least four fifths of the members entitled to vote attend (25 → 20, 5 → 4)."""
    entitled, present = _count(entitled, "entitled"), _count(present, "present")
    if present > entitled:
        raise ValueError("present exceeds entitled")
    return entitled > 0 and present * QUORUM[1] >= entitled * QUORUM[0]


def quorum_needed(entitled: int) -> int:
    """The fewest members present for a valid election meeting."""
    return math.ceil(_count(entitled, "entitled") * QUORUM[0] / QUORUM[1])


def min_candidates(seats: int, *, differential: bool = True) -> int:
    """Candidates needed for ``seats``: 20 % more, rounded up (5 → 6, 7 → 9); as many when 等额."""
    seats = _count(seats, "seats")
    if not differential:
        return seats
    return seats + math.ceil(seats * MIN_EXTRA_CANDIDATES[0] / MIN_EXTRA_CANDIDATES[1])


def votes_to_win(entitled: int) -> int:
    """The fewest yes votes that are more than half of the members entitled to vote (25 → 13, 24 → 13)."""
    return _count(entitled, "entitled") // 2 + 1


def is_elected(yes: int, entitled: int) -> bool:
    return _count(yes, "yes") * 2 > _count(entitled, "entitled")


@dataclass
class Tally:
    """The outcome of one ballot round."""

    void: bool = False
    reason: str = ""
    elected: list = field(default_factory=list)  # candidates elected, most votes first
    runoff: list = field(default_factory=list)  # tied at the last seat: a new ballot between them
    passed: list = field(default_factory=list)  # every candidate over the threshold, most votes first
    missing: int = 0  # seats still empty after this round (runoff seats included)


def tally(
    *, seats: int, entitled: int, issued: int, returned: int, votes: Mapping[object, tuple[int, int, int]]
) -> Tally:
    """Count one round: ``votes`` maps each candidate to (yes, no, abstain).

    Raises ValueError on impossible counts (negative, a candidate with more marks than ballots returned).
    """
    seats, entitled = _count(seats, "seats"), _count(entitled, "entitled")
    issued, returned = _count(issued, "issued"), _count(returned, "returned")
    if seats == 0:
        raise ValueError("no seats to fill")
    if issued > entitled:
        raise ValueError("more ballots issued than members entitled to vote")
    for candidate, marks in votes.items():
        yes, no, abstain = (_count(v, "votes") for v in marks)
        if yes + no + abstain > returned:
            raise ValueError(f"{candidate}: more marks than ballots returned")
    if returned > issued:
        return Tally(void=True, reason="收回选票多于发出选票，本轮选举无效。", missing=seats)
    passed = sorted(
        (c for c, (yes, _, _) in votes.items() if is_elected(yes, entitled)),
        key=lambda c: -votes[c][0],
    )
    if len(passed) <= seats:
        return Tally(elected=passed, passed=passed, missing=seats - len(passed))
    last = votes[passed[seats - 1]][0]
    above = [c for c in passed if votes[c][0] > last]
    tied = [c for c in passed if votes[c][0] == last]
    if len(above) + len(tied) == seats:
        return Tally(elected=above + tied, passed=passed, missing=0)
    return Tally(elected=above, runoff=tied, passed=passed, missing=seats - len(above))
