"""发展党员 steps at their boundaries: age 18 at application, a year as activist, probation and its extension."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from members import rules
from members.models import Member, StageChange
from members.services import pipeline as services
from tests.factories import make_member

D = dt.date


def advance(member, to_stage, on, document=""):
    return services.stage_advance(member=member, to_stage=to_stage, on=on, document=document)


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- age 18 on the day of application ------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "applied", "allowed"),
    [
        (D(2000, 3, 1), D(2018, 2, 28), False),  # 17 years and 364 days
        (D(2000, 3, 1), D(2018, 3, 1), True),  # the 18th birthday itself
        (D(2000, 2, 29), D(2018, 2, 27), False),
        (D(2000, 2, 29), D(2018, 2, 28), True),  # a 29 February birthday counts on 28 February
    ],
)
def test_age_at_application(tree, birth, applied, allowed):
    assert (services.application_age_error(birth, applied) is None) == allowed
    if not allowed:
        # Registering an under-age application is refused at once.
        with pytest.raises(ValidationError, match="年满18周岁"):
            make_member(tree["branch"], stage="applicant", birth_date=birth, applied_on=applied)
        return
    member = make_member(tree["branch"], stage="applicant", birth_date=birth, applied_on=applied)
    advance(member, "activist", D(2019, 1, 10))
    member.refresh_from_db()
    assert member.stage == "activist" and member.activist_on == D(2019, 1, 10)


def test_applicant_add_refuses_under_18(tree):
    with pytest.raises(ValidationError) as error:
        services.applicant_add(
            organisation=tree["branch"],
            applied_on=D(2018, 2, 28),
            name="少年",
            gender="male",
            birth_date=D(2000, 3, 1),
        )
    assert "未满18周岁" in messages(error.value)
    member = services.applicant_add(
        organisation=tree["branch"],
        applied_on=D(2018, 3, 1),
        name="青年",
        gender="male",
        birth_date=D(2000, 3, 1),
    )
    assert member.stage == "applicant" and member.stage_changes.count() == 1


# --- a year as activist: 364 days refused, 365 (the anniversary) allowed --------------------------


@pytest.mark.parametrize(("days", "allowed"), [(364, False), (365, True), (366, True)])
def test_activist_for_a_year(tree, days, allowed):
    activist_on = D(2024, 3, 1)
    on = activist_on + dt.timedelta(days=days)
    member = make_member(tree["branch"], stage="activist", activist_on=activist_on, applied_on=D(2023, 9, 1))
    if allowed:
        advance(member, "candidate", on, document="东村支委〔2025〕3号")
        member.refresh_from_db()
        assert member.stage == "candidate" and member.candidate_on == on
    else:
        with pytest.raises(ValidationError) as error:
            advance(member, "candidate", on)
        assert "须满1年" in messages(error.value) and "2025年03月01日" in messages(error.value)
        assert Member.objects.get(pk=member.pk).stage == "activist"


def test_activist_anniversary_from_29_february(tree):
    member = make_member(tree["branch"], stage="activist", activist_on=D(2024, 2, 29))
    with pytest.raises(ValidationError):
        advance(member, "candidate", D(2025, 2, 27))
    advance(member, "candidate", D(2025, 2, 28))


# --- admission and confirmation need the resolution's number -------------------------------------


def test_admission_records_date_document_and_history(tree):
    member = make_member(tree["branch"], stage="candidate", candidate_on=D(2025, 3, 1))
    with pytest.raises(ValidationError) as error:
        advance(member, "probationary", D(2025, 6, 1), document="  ")
    assert "文号" in messages(error.value)
    advance(member, "probationary", D(2025, 6, 1), document="东村支部党员大会决议〔2025〕2号")
    member.refresh_from_db()
    assert member.stage == "probationary"
    assert member.admitted_on == D(2025, 6, 1)
    assert member.admission_doc_no == "东村支部党员大会决议〔2025〕2号"
    change = StageChange.objects.filter(member=member).order_by("-pk").first()
    assert (change.stage, change.on, change.document) == (
        "probationary",
        D(2025, 6, 1),
        member.admission_doc_no,
    )


@pytest.mark.parametrize(
    ("admitted", "end"),
    [
        (D(2025, 1, 10), D(2026, 1, 10)),
        (D(2024, 2, 29), D(2025, 2, 28)),  # admitted on 29 February: a year ends on 28 February
        (D(2023, 3, 31), D(2024, 3, 31)),
    ],
)
def test_probation_end_and_confirmation(tree, admitted, end):
    assert rules.probation_end(admitted) == end
    member = make_member(
        tree["branch"], stage="probationary", admitted_on=admitted, candidate_on=D(2022, 1, 1)
    )
    with pytest.raises(ValidationError) as error:
        advance(member, "full", end - dt.timedelta(days=1), document="转正决议1号")
    assert "届满前不能转正" in messages(error.value)
    with pytest.raises(ValidationError):
        advance(member, "full", end, document="")
    advance(member, "full", end, document="转正决议1号")
    member.refresh_from_db()
    assert (member.stage, member.confirmed_on, member.confirmation_doc_no) == ("full", end, "转正决议1号")
    assert member.stage_changes.filter(stage="full", document="转正决议1号").exists()


# --- extension once, 6 to 12 months --------------------------------------------------------------


@pytest.mark.parametrize(("months", "allowed"), [(5, False), (6, True), (12, True), (13, False)])
def test_extension_range(tree, months, allowed):
    member = make_member(tree["branch"], stage="probationary", admitted_on=D(2025, 1, 10))
    call = {
        "member": member,
        "months": months,
        "on": D(2026, 1, 5),
        "document": "东村党员大会决议〔2026〕1号",
    }
    if allowed:
        services.probation_extend(**call)
        member.refresh_from_db()
        assert member.probation_extension_months == months
        assert rules.probation_end(member.admitted_on, months) == rules.add_months(D(2026, 1, 10), months)
        assert member.stage_changes.filter(note__startswith=f"延长预备期{months}个月").exists()
    else:
        with pytest.raises(ValidationError) as error:
            services.probation_extend(**call)
        assert "6至12个月" in messages(error.value)
        assert Member.objects.get(pk=member.pk).probation_extension_months == 0


def test_second_extension_refused(tree):
    member = make_member(tree["branch"], stage="probationary", admitted_on=D(2025, 1, 10))
    services.probation_extend(member=member, months=6, on=D(2026, 1, 5), document="决议1号")
    with pytest.raises(ValidationError) as error:
        services.probation_extend(member=member, months=6, on=D(2026, 3, 5), document="决议2号")
    assert "只能延长一次" in messages(error.value)
    assert Member.objects.get(pk=member.pk).probation_extension_months == 6


def test_extension_moves_confirmation(tree):
    member = make_member(tree["branch"], stage="probationary", admitted_on=D(2024, 6, 1))
    services.probation_extend(member=member, months=6, on=D(2025, 5, 20), document="决议1号")
    with pytest.raises(ValidationError) as error:
        advance(member, "full", D(2025, 6, 1), document="转正决议")
    assert "2025年12月01日" in messages(error.value)
    advance(member, "full", D(2025, 12, 1), document="转正决议")


def test_extension_only_for_probationary(tree):
    member = make_member(tree["branch"], stage="full")
    with pytest.raises(ValidationError):
        services.probation_extend(member=member, months=6, on=D(2026, 1, 5), document="决议1号")


# --- guards --------------------------------------------------------------------------------------


def test_step_applied_once(tree):
    """A form sent twice: the second finds the member already moved and is refused."""
    member = make_member(tree["branch"], stage="activist", activist_on=D(2020, 1, 1))
    advance(member, "candidate", D(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        advance(member, "candidate", D(2025, 1, 1))
    assert "可能已由他人办理" in messages(error.value)
    assert member.stage_changes.filter(stage="candidate").count() == 1


def test_no_skipping_stages(tree):
    member = make_member(tree["branch"], stage="activist", activist_on=D(2020, 1, 1))
    with pytest.raises(ValidationError):
        advance(member, "probationary", D(2025, 1, 1), document="x")


def test_future_and_earlier_dates_refused(tree):
    member = make_member(tree["branch"], stage="candidate", candidate_on=D(2025, 3, 1))
    with pytest.raises(ValidationError) as error:
        advance(member, "probationary", D(2099, 1, 1), document="x")
    assert "晚于今天" in messages(error.value)
    with pytest.raises(ValidationError) as error:
        advance(member, "probationary", D(2025, 2, 1), document="x")
    assert "不能早于" in messages(error.value)


def test_left_member_refused(tree):
    from members.services.members import member_leave

    member = make_member(tree["branch"], stage="activist", activist_on=D(2020, 1, 1))
    member_leave(member=member, kind="deceased", on=D(2025, 1, 1), reason="病故")
    with pytest.raises(ValidationError) as error:
        advance(member, "candidate", D(2025, 2, 1))
    assert "不在册" in messages(error.value)


def test_dissolved_branch_refused(tree):
    from branches.services import organisation_dissolve

    member = make_member(tree["other_branch"], stage="activist", activist_on=D(2020, 1, 1))
    organisation_dissolve(organisation=tree["other_branch"], on=D(2025, 12, 1), reason="合并")
    with pytest.raises(ValidationError) as error:
        advance(member, "candidate", D(2026, 1, 1))
    assert "已撤销" in messages(error.value)
