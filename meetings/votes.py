"""Vote thresholds of a general meeting (支部党员大会), DOMAIN §3. Pure functions, no ORM.

2018 支部工作条例 art. 11 ("双过半"): the meeting may vote only when more than half
of the members with a vote attend, and a resolution needs yes votes from more
than half of *all* members with a vote who should attend (应到会), not of those
present. For admitting (接收预备党员) or confirming (转正) a member, a voting member
who could not attend and gave a written opinion before the meeting is counted
(发展党员工作细则 art. 24, 33), so the yes count may exceed ``present`` but never
``eligible``. For any other matter it cannot exceed ``present``.
"""

from __future__ import annotations

KINDS_WITH_WRITTEN_OPINIONS = frozenset({"admit", "confirm"})
KINDS = KINDS_WITH_WRITTEN_OPINIONS | {"other"}


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _check_turnout(eligible, present) -> tuple[int, int]:
    eligible = _count("eligible", eligible)
    present = _count("present", present)
    if present > eligible:
        raise ValueError(f"present ({present}) exceeds eligible ({eligible})")
    return eligible, present


def more_than_half(count: int, of: int) -> bool:
    """Strictly more than half: 4 of 7 yes, 4 of 8 no."""
    return 2 * count > of


def quorum_met(eligible: int, present: int) -> bool:
    """May the meeting vote? More than half of the eligible voters attend."""
    eligible, present = _check_turnout(eligible, present)
    return eligible > 0 and more_than_half(present, eligible)


def yes_bound(kind: str, eligible: int, present: int) -> int:
    """The largest yes count possible: written opinions of absent voters count only for admit/confirm."""
    if kind not in KINDS:
        raise ValueError(f"unknown resolution kind {kind!r}")
    eligible, present = _check_turnout(eligible, present)
    return eligible if kind in KINDS_WITH_WRITTEN_OPINIONS else present


def resolution_passes(kind: str, eligible: int, present: int, yes: int) -> bool:
    """Does the resolution pass? Quorum, then yes votes from more than half of all eligible voters."""
    bound = yes_bound(kind, eligible, present)
    yes = _count("yes", yes)
    if yes > bound:
        raise ValueError(f"yes ({yes}) exceeds what {kind!r} allows ({bound})")
    return quorum_met(eligible, present) and more_than_half(yes, eligible)


def votes_needed(eligible: int) -> int:
    """The smallest yes count that passes: more than half of ``eligible``."""
    return _count("eligible", eligible) // 2 + 1
