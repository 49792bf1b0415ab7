"""meetings/elections.py: the counting rules of 换届选举 at their boundaries, with the issue's own numbers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetings import elections as rules

# ---------------------------------------------------------------- quorum: at least four fifths


@pytest.mark.parametrize(
    ("entitled", "present", "valid"),
    [
        (25, 19, False),
        (25, 20, True),
        (25, 25, True),
        (5, 3, False),
        (5, 4, True),
        (5, 5, True),
        (10, 7, False),
        (10, 8, True),
        (1, 0, False),
        (1, 1, True),
        (0, 0, False),  # nobody entitled: no valid meeting
    ],
)
def test_quorum_met_at_four_fifths(entitled, present, valid):
    assert rules.quorum_met(entitled, present) is valid


@pytest.mark.parametrize(
    ("entitled", "needed"), [(25, 20), (5, 4), (24, 20), (10, 8), (6, 5), (1, 1), (0, 0)]
)
def test_quorum_needed(entitled, needed):
    assert rules.quorum_needed(entitled) == needed


@pytest.mark.parametrize("entitled", range(0, 101))
def test_quorum_needed_is_the_fewest_that_meet_it(entitled):
    needed = rules.quorum_needed(entitled)
    if entitled:
        assert rules.quorum_met(entitled, needed)
    if needed:
        assert not rules.quorum_met(entitled, needed - 1)


def test_more_present_than_entitled_raises():
    with pytest.raises(ValueError, match="present exceeds entitled"):
        rules.quorum_met(25, 26)


@pytest.mark.parametrize(
    ("entitled", "present"), [(True, 1), (25, False), (-1, 0), (25, -1), (25.0, 20), ("25", 20), (None, 0)]
)
def test_quorum_rejects_bools_negatives_and_non_ints(entitled, present):
    with pytest.raises(ValueError):
        rules.quorum_met(entitled, present)


@pytest.mark.parametrize("entitled", [True, False, -1, 2.5, "5"])
def test_quorum_needed_rejects_bad_counts(entitled):
    with pytest.raises(ValueError):
        rules.quorum_needed(entitled)


# ---------------------------------------------------------------- elected: more than half of 应到会


@pytest.mark.parametrize(
    ("yes", "entitled", "elected"),
    [
        (13, 25, True),
        (12, 25, False),
        (12, 24, False),  # exactly half is not enough
        (13, 24, True),
        (1, 1, True),
        (0, 1, False),
        (1, 2, False),
        (2, 2, True),
        (0, 0, False),
    ],
)
def test_is_elected_needs_more_than_half_of_entitled(yes, entitled, elected):
    assert rules.is_elected(yes, entitled) is elected


def test_twenty_one_present_of_twenty_five_counts_against_the_twenty_five():
    # 21 present, but the threshold is more than half of the 25 entitled, not of the 21.
    assert rules.quorum_met(25, 21)
    assert rules.votes_to_win(25) == 13
    assert not rules.is_elected(11, 25)  # 11 > 21 / 2, still not elected
    assert not rules.is_elected(12, 25)
    assert rules.is_elected(13, 25)


@pytest.mark.parametrize(("entitled", "votes"), [(25, 13), (24, 13), (1, 1), (2, 2), (3, 2), (0, 1)])
def test_votes_to_win(entitled, votes):
    assert rules.votes_to_win(entitled) == votes


@pytest.mark.parametrize("entitled", range(1, 101))
def test_votes_to_win_agrees_with_is_elected(entitled):
    needed = rules.votes_to_win(entitled)
    assert rules.is_elected(needed, entitled)
    assert not rules.is_elected(needed - 1, entitled)


@pytest.mark.parametrize(("yes", "entitled"), [(True, 25), (13, True), (-1, 25), (13, -1), (1.5, 3)])
def test_is_elected_rejects_bad_counts(yes, entitled):
    with pytest.raises(ValueError):
        rules.is_elected(yes, entitled)


@pytest.mark.parametrize("entitled", [True, -1, 24.0])
def test_votes_to_win_rejects_bad_counts(entitled):
    with pytest.raises(ValueError):
        rules.votes_to_win(entitled)


# ---------------------------------------------------------------- candidates: 差额 at least 20 %, rounded up


@pytest.mark.parametrize(
    ("seats", "needed"), [(1, 2), (3, 4), (4, 5), (5, 6), (6, 8), (7, 9), (9, 11), (10, 12), (11, 14)]
)
def test_min_candidates_differential(seats, needed):
    assert rules.min_candidates(seats) == needed


@pytest.mark.parametrize("seats", [1, 3, 5, 7, 10])
def test_min_candidates_equal_numbers(seats):
    assert rules.min_candidates(seats, differential=False) == seats


@pytest.mark.parametrize("seats", range(1, 31))
def test_min_candidates_is_at_least_twenty_percent_more(seats):
    needed = rules.min_candidates(seats)
    assert (needed - seats) * 5 >= seats
    assert (needed - 1 - seats) * 5 < seats  # one fewer would not do


@pytest.mark.parametrize("seats", [True, -1, 5.0])
def test_min_candidates_rejects_bad_seats(seats):
    with pytest.raises(ValueError):
        rules.min_candidates(seats)


# ---------------------------------------------------------------- tally


def count(seats=3, entitled=10, issued=10, returned=10, **votes):
    return rules.tally(seats=seats, entitled=entitled, issued=issued, returned=returned, votes=votes)


def test_everyone_passing_fills_the_seats_most_votes_first():
    result = count(A=(6, 4, 0), B=(9, 1, 0), C=(7, 3, 0))
    assert not result.void
    assert result.elected == ["B", "C", "A"]
    assert result.passed == ["B", "C", "A"]
    assert result.runoff == [] and result.missing == 0


def test_more_passing_than_seats_the_highest_win():
    result = count(A=(6, 4, 0), B=(9, 1, 0), C=(8, 2, 0), D=(7, 3, 0), E=(2, 8, 0))
    assert result.elected == ["B", "C", "D"]
    assert result.passed == ["B", "C", "D", "A"]  # E failed the threshold
    assert result.runoff == [] and result.missing == 0


def test_a_tie_at_the_last_seat_goes_to_a_runoff_between_the_tied():
    result = count(A=(9, 1, 0), B=(7, 3, 0), C=(7, 3, 0), D=(7, 3, 0), E=(6, 4, 0))
    assert result.elected == ["A"]
    assert sorted(result.runoff) == ["B", "C", "D"]  # exactly the tied, not E
    assert result.missing == 2
    assert result.passed == ["A", "B", "C", "D", "E"]


def test_a_tie_at_the_last_seat_with_nobody_above():
    result = count(seats=1, A=(7, 3, 0), B=(7, 3, 0))
    assert result.elected == [] and sorted(result.runoff) == ["A", "B"] and result.missing == 1


def test_a_tie_that_fits_inside_the_seats_is_not_a_runoff():
    result = count(A=(8, 2, 0), B=(8, 2, 0), C=(7, 3, 0), D=(6, 4, 0))
    assert sorted(result.elected[:2]) == ["A", "B"] and result.elected[2] == "C"
    assert result.runoff == [] and result.missing == 0


def test_a_tie_at_the_last_seat_when_all_tied_fit():
    # Fewer passing than seats: no competition, every one of them is elected.
    result = count(A=(7, 3, 0), B=(7, 3, 0), C=(2, 8, 0))
    assert sorted(result.elected) == ["A", "B"] and result.runoff == [] and result.missing == 1


def test_too_few_elected_leaves_seats_missing():
    result = count(seats=5, A=(9, 1, 0), B=(6, 4, 0), C=(5, 5, 0), D=(4, 6, 0), E=(1, 9, 0), F=(0, 10, 0))
    assert result.elected == ["A", "B"]  # C with exactly half is not elected
    assert result.missing == 3 and result.runoff == []


def test_nobody_elected():
    result = count(A=(5, 5, 0), B=(3, 7, 0))
    assert result.elected == [] and result.passed == [] and result.missing == 3 and not result.void


def test_the_threshold_is_of_entitled_not_of_ballots_returned():
    # 25 entitled, 21 present: 11 of 21 returned ballots is a majority of them, not of the 25.
    result = count(seats=2, entitled=25, issued=21, returned=21, A=(13, 8, 0), B=(12, 9, 0), C=(11, 5, 5))
    assert result.elected == ["A"] and result.missing == 1


def test_more_ballots_returned_than_issued_voids_the_round():
    result = count(issued=9, returned=10, A=(10, 0, 0), B=(9, 1, 0), C=(8, 2, 0))
    assert result.void
    assert result.reason == "收回选票多于发出选票，本轮选举无效。"
    assert result.elected == [] and result.passed == [] and result.runoff == []
    assert result.missing == 3


def test_as_many_ballots_returned_as_issued_is_fine():
    result = count(issued=9, returned=9, A=(9, 0, 0), B=(8, 1, 0), C=(6, 3, 0))
    assert not result.void and result.reason == ""
    assert result.elected == ["A", "B", "C"]


def test_fewer_ballots_returned_than_issued_is_fine():
    result = count(issued=10, returned=8, A=(8, 0, 0), B=(6, 2, 0), C=(5, 3, 0))
    assert not result.void and result.elected == ["A", "B"] and result.missing == 1


def test_a_candidate_with_more_marks_than_ballots_returned_raises():
    with pytest.raises(ValueError, match="more marks than ballots returned"):
        count(returned=9, issued=10, A=(5, 3, 2))


def test_marks_are_checked_before_a_void_round():
    with pytest.raises(ValueError):
        count(issued=8, returned=9, A=(5, 3, 2))


def test_marks_equal_to_ballots_returned_are_fine():
    assert count(returned=9, issued=10, A=(5, 3, 1)).elected == []
    assert count(returned=9, issued=10, A=(6, 2, 1)).elected == ["A"]


def test_more_ballots_issued_than_entitled_raises():
    with pytest.raises(ValueError, match="more ballots issued than members entitled"):
        count(entitled=10, issued=11, returned=10, A=(6, 4, 0))


def test_no_seats_raises():
    with pytest.raises(ValueError):
        count(seats=0, A=(6, 4, 0))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seats": True},
        {"entitled": -1},
        {"issued": -1},
        {"returned": 2.0},
        {"A": (-1, 0, 0)},
        {"A": (True, 0, 0)},
    ],
)
def test_tally_rejects_bad_counts(kwargs):
    with pytest.raises(ValueError):
        count(**kwargs)


@st.composite
def rounds(draw):
    entitled = draw(st.integers(1, 40))
    issued = draw(st.integers(0, entitled))
    returned = draw(st.integers(0, issued + 2))  # sometimes more than issued: void
    seats = draw(st.integers(1, 9))
    n = draw(st.integers(0, 14))
    votes = {}
    for i in range(n):
        yes = draw(st.integers(0, returned))
        no = draw(st.integers(0, returned - yes))
        abstain = draw(st.integers(0, returned - yes - no))
        votes[f"c{i}"] = (yes, no, abstain)
    return seats, entitled, issued, returned, votes


@given(rounds())
def test_tally_never_elects_more_than_the_seats_and_only_over_half(args):
    seats, entitled, issued, returned, votes = args
    result = rules.tally(seats=seats, entitled=entitled, issued=issued, returned=returned, votes=votes)
    assert len(result.elected) <= seats
    assert all(votes[c][0] * 2 > entitled for c in result.elected)
    assert len(result.elected) + result.missing == seats
    assert not set(result.elected) & set(result.runoff)
    if result.void:
        assert returned > issued and result.elected == [] and result.runoff == []
    else:
        assert set(result.passed) == {c for c, v in votes.items() if v[0] * 2 > entitled}
        # Everyone elected has at least the votes of anyone passing who was not.
        rest = [votes[c][0] for c in result.passed if c not in result.elected]
        assert all(votes[c][0] >= max(rest, default=0) for c in result.elected)
    if result.runoff:
        tied = {votes[c][0] for c in result.runoff}
        assert len(tied) == 1 and len(result.runoff) > result.missing >= 1
        (last,) = tied
        assert all(votes[c][0] > last for c in result.elected)
