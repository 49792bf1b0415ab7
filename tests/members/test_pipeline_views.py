"""The pipeline page and its step pages: the branch's secretary, the reviewer (reads), a member, an outsider."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Member, StageChange
from tests.factories import make_member

D = dt.date


def url(name, *args):
    return reverse(f"members:{name}", args=args)


@pytest.fixture
def pipeline(roster):
    """Adds to the roster (孙八 activist since 2025-11-01, 钱七 probationary since 2026-01-10): a ready activist,
    a candidate, an applicant and an overdue probationary member."""
    branch = roster["branch"]
    today = timezone.localdate()
    return {
        "branch": branch,
        "ready": make_member(
            branch, name="周积极", stage="activist", activist_on=today - dt.timedelta(days=400)
        ),
        "candidate": make_member(branch, name="吴发展", stage="candidate", candidate_on=D(2025, 5, 1)),
        "applicant": make_member(branch, name="郑申请", stage="applicant", applied_on=D(2025, 9, 1)),
        "overdue": make_member(
            branch, name="冯预备", stage="probationary", admitted_on=today - dt.timedelta(days=400)
        ),
        "waiting": roster["members"][5],
        "probationary": roster["members"][4],
        "full": roster["members"][0],
        "foreign": roster["foreign"],
    }


# --- the pipeline page ---------------------------------------------------------------------------


def test_secretary_sees_pipeline_with_next_steps(login, secretary, pipeline):
    response = login(secretary).get(url("pipeline", pipeline["branch"].pk))
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("ready", "candidate", "applicant", "overdue", "waiting", "probationary"):
        assert f'data-member-id="{pipeline[key].pk}"' in html
    assert f'data-member-id="{pipeline["full"].pk}"' not in html
    rows = {row.member.pk: row for row in response.context["rows"]}
    assert rows[pipeline["ready"].pk].state == "ready"
    assert rows[pipeline["overdue"].pk].state == "overdue"
    assert rows[pipeline["waiting"].pk].state in {"waiting", "ready"}
    assert "预备期已超期" in html
    assert url("stage_advance", pipeline["ready"].pk) in html
    assert url("probation_extend", pipeline["overdue"].pk) in html
    # Applicants first, then activists …, each stage by how long they have waited.
    stages = [row.member.stage for row in response.context["rows"]]
    assert stages == sorted(stages, key=["applicant", "activist", "candidate", "probationary"].index)


def test_stage_tab_filters(login, secretary, pipeline):
    response = login(secretary).get(url("pipeline", pipeline["branch"].pk), {"stage": "activist"})
    assert {row.member.stage for row in response.context["rows"]} == {"activist"}
    assert {s: n for s, _, n in response.context["tabs"]} == {
        "applicant": 1,
        "activist": 2,
        "candidate": 1,
        "probationary": 2,
    }


def test_reviewer_reads_without_actions(login, reviewer, pipeline):
    response = login(reviewer).get(url("pipeline", pipeline["branch"].pk))
    assert response.status_code == 200
    assert url("stage_advance", pipeline["ready"].pk) not in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_pipeline_404_for_outsider_and_member(request, login, pipeline, who):
    response = login(request.getfixturevalue(who)).get(url("pipeline", pipeline["branch"].pk))
    assert response.status_code == 404


def test_pipeline_of_a_committee_is_404(login, reviewer, tree):
    assert login(reviewer).get(url("pipeline", tree["town"].pk)).status_code == 404


# --- advancing a step ----------------------------------------------------------------------------


def test_secretary_advances_activist(login, secretary, pipeline):
    client = login(secretary)
    member = pipeline["ready"]
    page = client.get(url("stage_advance", member.pk))
    assert page.status_code == 200 and "确定为发展对象" in page.content.decode()
    today = timezone.localdate()
    response = client.post(
        url("stage_advance", member.pk), {"to_stage": "candidate", "on": today.isoformat(), "document": ""}
    )
    assert response.status_code == 302 and response["Location"] == url("pipeline", pipeline["branch"].pk)
    member.refresh_from_db()
    assert member.stage == "candidate" and member.candidate_on == today
    assert StageChange.objects.filter(member=member, stage="candidate", recorded_by=secretary).exists()


def test_activist_under_a_year_refused_with_message(login, secretary, pipeline):
    member = make_member(
        pipeline["branch"], stage="activist", activist_on=timezone.localdate() - dt.timedelta(days=364)
    )
    response = login(secretary).post(
        url("stage_advance", member.pk), {"to_stage": "candidate", "on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200
    assert "入党积极分子培养教育须满1年" in response.content.decode()
    assert Member.objects.get(pk=member.pk).stage == "activist"


def test_admission_needs_document_number(login, secretary, pipeline):
    client = login(secretary)
    member = pipeline["candidate"]
    today = timezone.localdate().isoformat()
    response = client.post(url("stage_advance", member.pk), {"to_stage": "probationary", "on": today})
    assert (
        response.status_code == 200 and "请填写支部党员大会决议或上级批复的文号" in response.content.decode()
    )
    assert Member.objects.get(pk=member.pk).stage == "candidate"
    response = client.post(
        url("stage_advance", member.pk),
        {"to_stage": "probationary", "on": today, "document": "决议〔2026〕5号"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.stage == "probationary" and member.admission_doc_no == "决议〔2026〕5号"


def test_stale_form_refused(login, secretary, pipeline):
    """The page said 确定为入党积极分子 but someone else already did it."""
    member = pipeline["applicant"]
    client = login(secretary)
    data = {"to_stage": "activist", "on": timezone.localdate().isoformat()}
    assert client.post(url("stage_advance", member.pk), data).status_code == 302
    response = client.post(url("stage_advance", member.pk), {**data, "to_stage": "activist"})
    assert response.status_code == 200 and "可能已由他人办理" in response.content.decode()
    assert member.stage_changes.filter(stage="activist").count() == 1


def test_full_member_has_no_next_step(login, secretary, pipeline):
    assert login(secretary).get(url("stage_advance", pipeline["full"].pk)).status_code == 404


@pytest.mark.parametrize("who", ["reviewer", "member_user", "outsider"])
@pytest.mark.parametrize("name", ["stage_advance", "probation_extend"])
def test_others_cannot_advance_or_extend(request, login, pipeline, who, name):
    """The reviewer reads only; a member never; the outsider does not even see the member: all 404."""
    client = login(request.getfixturevalue(who))
    member = pipeline["overdue"] if name == "probation_extend" else pipeline["ready"]
    assert client.get(url(name, member.pk)).status_code == 404
    data = {"to_stage": "candidate", "on": "2026-01-01", "months": 6, "document": "x"}
    assert client.post(url(name, member.pk), data).status_code == 404
    member.refresh_from_db()
    assert member.stage in {"activist", "probationary"} and member.probation_extension_months == 0


def test_foreign_member_is_404(login, secretary, pipeline):
    foreign = make_member(pipeline["foreign"].organisation, stage="activist", activist_on=D(2020, 1, 1))
    assert login(secretary).get(url("stage_advance", foreign.pk)).status_code == 404


def test_extend_probation(login, secretary, pipeline):
    client = login(secretary)
    member = pipeline["overdue"]
    today = timezone.localdate().isoformat()
    response = client.post(
        url("probation_extend", member.pk), {"months": 13, "on": today, "document": "决议"}
    )
    assert response.status_code == 200 and "6至12个月" in response.content.decode()
    response = client.post(url("probation_extend", member.pk), {"months": 6, "on": today, "document": "决议"})
    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).probation_extension_months == 6
    # The page no longer offers a second extension.
    html = client.get(url("pipeline", pipeline["branch"].pk)).content.decode()
    assert url("probation_extend", member.pk) not in html


# --- a fixed number of queries however long the list ---------------------------------------------


def test_pipeline_page_queries_do_not_grow(login, secretary, tree, django_assert_max_num_queries):
    branch = tree["branch"]
    today = timezone.localdate()
    for i in range(120):
        stage = ["applicant", "activist", "candidate", "probationary"][i % 4]
        make_member(
            branch,
            name=f"发展{i:03d}",
            stage=stage,
            **{
                "applicant": {"applied_on": today - dt.timedelta(days=i)},
                "activist": {"activist_on": today - dt.timedelta(days=300 + i)},
                "candidate": {"candidate_on": today - dt.timedelta(days=i)},
                "probationary": {"admitted_on": today - dt.timedelta(days=330 + i)},
            }[stage],
        )
    client = login(secretary)
    with django_assert_max_num_queries(12) as captured:
        response = client.get(url("pipeline", branch.pk))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 50
    print(f"pipeline page, 120 members: {len(captured)} queries")
    with django_assert_max_num_queries(12):
        assert client.get(url("pipeline", branch.pk), {"page": 3, "stage": "probationary"}).status_code == 200
