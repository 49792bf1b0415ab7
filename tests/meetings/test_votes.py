"""meetings/votes.py at its edges (DOMAIN §3, 2018 条例 art. 11 "双过半"), and against the rule by hypothesis."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetings import votes

KINDS = ["admit", "confirm", "other"]


def test_quorum_is_more_than_half_of_the_eligible():
    assert not votes.quorum_met(7, 3)
    assert votes.quorum_met(7, 4)
    assert not votes.quorum_met(8, 4)  # half is not more than half
    assert votes.quorum_met(8, 5)
    assert not votes.quorum_met(0, 0)  # nobody to vote


@pytest.mark.parametrize("kind", KINDS)
def test_yes_counts_against_all_eligible_not_those_present(kind):
    assert votes.resolution_passes(kind, 7, 4, 4)
    assert not votes.resolution_passes(kind, 7, 4, 3)  # 3 of 4 present, but not more than half of 7


@pytest.mark.parametrize("kind", KINDS)
def test_ten_eligible_six_present_five_yes_fails(kind):
    assert not votes.resolution_passes(kind, 10, 6, 5)
    assert votes.resolution_passes(kind, 10, 6, 6)


@pytest.mark.parametrize("kind", KINDS)
def test_no_quorum_no_resolution(kind):
    assert not votes.resolution_passes(kind, 7, 3, 3)


@pytest.mark.parametrize("kind", ["admit", "confirm"])
def test_written_opinion_of_an_absent_member_counts_for_admission_and_confirmation(kind):
    present_yes, written_yes = 4, 1
    assert votes.resolution_passes(kind, 8, 5, present_yes + written_yes)  # 5 > 8/2
    assert not votes.resolution_passes(kind, 8, 5, present_yes)
    assert votes.resolution_passes(kind, 8, 5, 8)  # every eligible member, some in writing


@pytest.mark.parametrize(
    ("kind", "eligible", "present", "yes"),
    [
        ("other", 8, 5, 6),  # "other": no written opinions, yes ≤ present
        ("admit", 8, 5, 9),  # admit/confirm: yes ≤ eligible
        ("confirm", 8, 5, 9),
    ],
)
def test_yes_above_its_bound_is_refused(kind, eligible, present, yes):
    with pytest.raises(ValueError, match="exceeds"):
        votes.resolution_passes(kind, eligible, present, yes)


@pytest.mark.parametrize(("eligible", "present", "yes"), [(-1, 0, 0), (7, -1, 0), (7, 4, -1)])
@pytest.mark.parametrize("kind", KINDS)
def test_negative_counts_are_refused(kind, eligible, present, yes):
    with pytest.raises(ValueError, match="negative"):
        votes.resolution_passes(kind, eligible, present, yes)


def test_negative_turnout_refused_by_quorum_too():
    with pytest.raises(ValueError):
        votes.quorum_met(-1, 0)
    with pytest.raises(ValueError):
        votes.quorum_met(5, -1)


@pytest.mark.parametrize("kind", KINDS)
def test_present_above_eligible_is_refused(kind):
    with pytest.raises(ValueError, match="exceeds eligible"):
        votes.resolution_passes(kind, 5, 6, 3)
    with pytest.raises(ValueError, match="exceeds eligible"):
        votes.quorum_met(5, 6)


@pytest.mark.parametrize("kind", ["elect", "", "ADMIT", None, 1])
def test_unknown_kind_is_refused(kind):
    with pytest.raises(ValueError, match="unknown"):
        votes.resolution_passes(kind, 7, 4, 4)


@pytest.mark.parametrize(
    "call",
    [
        lambda: votes.quorum_met(True, True),
        lambda: votes.quorum_met(7, True),
        lambda: votes.resolution_passes("other", 7, 4, True),
        lambda: votes.resolution_passes("admit", True, 1, 1),
        lambda: votes.resolution_passes("other", 7.0, 4, 4),
        lambda: votes.resolution_passes("other", 7, 4, "4"),
        lambda: votes.votes_needed(False),
    ],
)
def test_booleans_and_other_non_integers_are_refused(call):
    with pytest.raises(ValueError, match="whole number"):
        call()


@pytest.mark.parametrize(("eligible", "needed"), [(1, 1), (2, 2), (7, 4), (8, 5), (10, 6)])
def test_votes_needed(eligible, needed):
    assert votes.votes_needed(eligible) == needed


# --- the rule stated directly, against random counts ---------------------------------------------


def rule(kind: str, eligible: int, present: int, yes: int) -> bool:
    """2018 条例 art. 11: more than half of the eligible attend, and more than half of the eligible say yes."""
    half = Fraction(eligible, 2)
    return present > half and yes > half


@st.composite
def counts(draw):
    kind = draw(st.sampled_from(KINDS))
    eligible = draw(st.integers(min_value=0, max_value=300))
    present = draw(st.integers(min_value=0, max_value=eligible))
    bound = eligible if kind in ("admit", "confirm") else present
    yes = draw(st.integers(min_value=0, max_value=bound))
    return kind, eligible, present, yes


@given(counts())
def test_resolution_passes_is_the_rule(case):
    kind, eligible, present, yes = case
    assert votes.resolution_passes(kind, eligible, present, yes) == rule(kind, eligible, present, yes)
    assert votes.quorum_met(eligible, present) == (present > Fraction(eligible, 2))


@given(counts())
def test_votes_needed_is_the_smallest_passing_yes(case):
    _, eligible, _, _ = case
    needed = votes.votes_needed(eligible)
    assert needed > Fraction(eligible, 2)
    assert not needed - 1 > Fraction(eligible, 2)
    if votes.quorum_met(eligible, eligible):
        assert votes.resolution_passes("admit", eligible, eligible, needed)
        assert not votes.resolution_passes("admit", eligible, eligible, needed - 1)


@given(counts(), st.integers(min_value=1, max_value=50))
def test_yes_above_the_bound_always_raises(case, extra):
    kind, eligible, present, _ = case
    bound = eligible if kind in ("admit", "confirm") else present
    with pytest.raises(ValueError):
        votes.resolution_passes(kind, eligible, present, bound + extra)
