"""Pure rules of terms and kinds (DOMAIN §1), at their boundaries."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from branches import rules
from branches.rules import TermStatus, term_status

D = dt.date


class TestTermStatus:
    expires = D(2027, 8, 15)

    def test_exactly_six_months_before_is_due(self):
        assert term_status(self.expires, D(2027, 2, 15)) == TermStatus.DUE

    def test_day_before_six_months_is_ok(self):
        assert term_status(self.expires, D(2027, 2, 14)) == TermStatus.OK

    def test_day_after_six_months_is_due(self):
        assert term_status(self.expires, D(2027, 2, 16)) == TermStatus.DUE

    def test_expiry_day_is_still_due(self):
        assert term_status(self.expires, D(2027, 8, 15)) == TermStatus.DUE

    def test_day_after_expiry_is_overdue(self):
        assert term_status(self.expires, D(2027, 8, 16)) == TermStatus.OVERDUE

    def test_day_before_expiry_is_due(self):
        assert term_status(self.expires, D(2027, 8, 14)) == TermStatus.DUE

    def test_month_end_expiry(self):
        # 31 August: six months before falls on the last day of February.
        assert term_status(D(2027, 8, 31), D(2027, 2, 27)) == TermStatus.OK
        assert term_status(D(2027, 8, 31), D(2027, 2, 28)) == TermStatus.DUE


class TestLeapDay:
    def test_elected_on_29_february_expires_28_february(self):
        assert rules.regular_expiry(D(2024, 2, 29), 3) == D(2027, 2, 28)
        assert rules.regular_expiry(D(2024, 2, 29), 5) == D(2029, 2, 28)

    def test_elected_on_29_february_into_a_leap_year(self):
        assert rules.regular_expiry(D(2024, 2, 29), 4) == D(2028, 2, 29)

    def test_status_of_a_leap_day_term(self):
        expires = rules.regular_expiry(D(2024, 2, 29), 3)
        assert term_status(expires, D(2026, 8, 27)) == TermStatus.OK
        assert term_status(expires, D(2026, 8, 28)) == TermStatus.DUE
        assert term_status(expires, D(2027, 2, 28)) == TermStatus.DUE
        assert term_status(expires, D(2027, 3, 1)) == TermStatus.OVERDUE


class TestDefaultTermLength:
    def test_village_branch_five_years(self):
        assert rules.default_term_years("branch", "village") == 5

    def test_community_general_branch_five_years(self):
        assert rules.default_term_years("general_branch", "community") == 5

    def test_government_organ_branch_three_years(self):
        assert rules.default_term_years("branch", "organ") == 3

    def test_enterprise_general_branch_three_years(self):
        assert rules.default_term_years("general_branch", "state_enterprise") == 3
        assert rules.default_term_years("general_branch", "private_enterprise") == 3

    def test_committee_five_years(self):
        assert rules.default_term_years("committee", "organ") == 5
        assert rules.default_term_years("committee", "university") == 5

    def test_joint_branch_three_years_outside_villages(self):
        assert rules.default_term_years("joint_branch", "private_enterprise") == 3


class TestAdjustment:
    regular = D(2027, 6, 30)

    @pytest.mark.parametrize(
        ("adjusted", "allowed"),
        [
            (D(2028, 6, 30), True),  # exactly one year later
            (D(2028, 7, 1), False),  # one year and a day
            (D(2026, 6, 30), True),  # exactly one year earlier
            (D(2026, 6, 29), False),
            (D(2027, 6, 30), True),
        ],
    )
    def test_at_most_one_year(self, adjusted, allowed):
        assert rules.adjustment_allowed(self.regular, adjusted) is allowed


class TestReminderStage:
    expires = D(2027, 8, 15)

    @pytest.mark.parametrize(
        ("today", "stage"),
        [
            (D(2027, 2, 14), None),
            (D(2027, 2, 15), "m6"),
            (D(2027, 5, 14), "m6"),
            (D(2027, 5, 15), "m3"),
            (D(2027, 7, 14), "m3"),
            (D(2027, 7, 15), "m1"),
            (D(2027, 8, 14), "m1"),
            (D(2027, 8, 15), "d0"),
            (D(2027, 9, 14), "d0"),
            (D(2027, 9, 15), "overdue-1"),
            (D(2027, 10, 14), "overdue-1"),
            (D(2027, 10, 15), "overdue-2"),
            (D(2028, 8, 15), "overdue-12"),
        ],
    )
    def test_stages(self, today, stage):
        assert rules.reminder_stage(self.expires, today) == stage

    def test_labels(self):
        assert rules.reminder_stage_label("m6") == "距届满不足6个月"
        assert rules.reminder_stage_label("overdue-3") == "已超期3个月"


dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2060, 12, 31))


@given(today=dates, expires=dates)
def test_due_horizon_inverts_term_status(today, expires):
    """The indexed filter ``expires_on <= due_horizon(today)`` selects exactly the due and overdue terms."""
    flagged = term_status(expires, today) != TermStatus.OK
    assert flagged == (expires <= rules.due_horizon(today))


@given(today=dates, expires=dates)
def test_stage_and_status_agree(today, expires):
    assert (rules.reminder_stage(expires, today) is None) == (term_status(expires, today) == TermStatus.OK)


class TestKindRules:
    @pytest.mark.parametrize(
        ("parent", "child"),
        [
            ("committee", "party_group"),
            ("general_branch", "party_group"),
            ("party_group", "party_group"),
            ("party_group", "branch"),
            ("branch", "branch"),
            ("branch", "joint_branch"),
            ("joint_branch", "branch"),
            (None, "branch"),
            ("branch", "general_branch"),
        ],
    )
    def test_refused(self, parent, child):
        assert rules.child_kind_error(parent, child)

    @pytest.mark.parametrize(
        ("parent", "child"),
        [
            (None, "committee"),
            ("committee", "committee"),
            ("committee", "general_branch"),
            ("committee", "branch"),
            ("committee", "joint_branch"),
            ("general_branch", "branch"),
            ("branch", "party_group"),
            ("joint_branch", "party_group"),
        ],
    )
    def test_allowed(self, parent, child):
        assert rules.child_kind_error(parent, child) is None

    def test_message_is_chinese(self):
        assert rules.child_kind_error("committee", "party_group") == "党小组只能设在党支部或联合党支部内。"
