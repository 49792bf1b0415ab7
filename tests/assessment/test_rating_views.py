"""The rating pages per role: secretary, committee reviewer, county reviewer, outsider (404), anonymous."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Objection, Publicity, Rating, ScoreChange, Stage
from tests.assessment.conftest import YEAR
from tests.factories import make_org

PDF = b"%PDF-1.4\n% test\n"


def url(name, *args):
    return reverse(f"assessment:{name}", args=args)


def html(response) -> str:
    return response.content.decode()


# --- the list ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "county_reviewer", "admin_user"])
def test_reviewers_see_the_subtree_branches_with_and_without_a_rating(request, login, rating, tree, who):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    response = login(request.getfixturevalue(who)).get(url("rating_list", tree["town"].pk), {"year": YEAR})
    assert response.status_code == 200
    rows = {b.pk: b for b in response.context["page"].object_list}
    assert set(rows) == {tree["branch"].pk, tree["other_branch"].pk}
    assert rows[tree["branch"].pk].rating_id == r.pk and rows[tree["other_branch"].pk].rating_id is None
    assert url("rating_detail", r.pk) in html(response) and "未开始" in html(response)


def test_list_filters(login, reviewer, rating, tree):
    rating(tree["branch"], stage=Stage.NAMED, total="85")
    client = login(reviewer)
    town = url("rating_list", tree["town"].pk)

    def names(**query):
        return {b.name for b in client.get(town, {"year": YEAR, **query}).context["page"].object_list}

    assert names(stage="none") == {"西村党支部"}
    assert names(stage="named") == {"东村党支部"}
    assert names(stars=4) == {"东村党支部"} and names(stars=5) == set()
    assert names(stage="bogus", stars="x") == {"东村党支部", "西村党支部"}
    assert names(year=YEAR + 1) == {"东村党支部", "西村党支部"}
    page = client.get(town, {"year": YEAR}).content.decode()
    assert "4星" in page and "bi-star-fill" in page


def test_the_secretary_sees_their_branch_and_may_start(login, secretary, defaults, tree, settings):
    client = login(secretary)
    response = client.get(url("rating_list", tree["branch"].pk))
    assert response.status_code == 200
    this_year = timezone.localdate().year
    startable = response.context["start_years"]
    assert (YEAR in startable) == (this_year >= YEAR)
    if this_year >= YEAR:
        response = client.post(url("rating_start", tree["branch"].pk), {"year": YEAR})
        started = Rating.objects.get(organisation=tree["branch"], year=YEAR)
        assert response.status_code == 302 and response["Location"] == url("rating_self", started.pk)
        assert YEAR not in client.get(url("rating_list", tree["branch"].pk)).context["start_years"]


def test_start_refuses_a_year_without_an_active_template(login, secretary, defaults, tree):
    response = login(secretary).post(url("rating_start", tree["branch"].pk), {"year": 2001}, follow=True)
    assert "2001年度的星级评定标准尚未启用" in html(response)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "outsider"])
def test_only_the_secretary_starts(request, login, defaults, tree, who):
    response = login(request.getfixturevalue(who)).post(
        url("rating_start", tree["branch"].pk), {"year": YEAR}
    )
    assert response.status_code == 404 and not Rating.objects.exists()


def test_list_scope(login, secretary, outsider, reviewer, tree, defaults):
    assert login(secretary).get(url("rating_list", tree["town"].pk)).status_code == 404
    assert login(secretary).get(url("rating_list", tree["group"].pk)).status_code == 404
    assert login(outsider).get(url("rating_list", tree["branch"].pk)).status_code == 404
    assert login(reviewer).get(url("rating_list", tree["sibling"].pk)).status_code == 404
    assert login(reviewer).get(url("rating_list", tree["branch"].pk)).status_code == 200


def test_anonymous_is_sent_to_login(client, rating, tree):
    r = rating(tree["branch"])
    for target in (url("rating_list", tree["town"].pk), url("rating_detail", r.pk), url("rating_self", r.pk)):
        response = client.get(target)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_list_queries_do_not_grow_with_the_branches(login, reviewer, rating, tree):
    client = login(reviewer)
    target = url("rating_list", tree["town"].pk)

    def count() -> int:
        client.get(target, {"year": YEAR})  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(target, {"year": YEAR}).status_code == 200
        return len(ctx.captured_queries)

    rating(tree["branch"], stage=Stage.REVIEW)
    small = count()  # 2 branches (+ the town) — 3 organisations
    for n in range(10):
        branch = make_org(tree["town"], name=f"新支部{n}", sector="village")
        if n % 3 == 0:
            Rating.objects.create(
                organisation=branch, org_path=branch.path, template=tree_template(), year=YEAR
            )
    assert count() == small


def tree_template():
    from assessment.services.ratings import active_template

    return active_template(YEAR)


# --- the rating's page and the actions per role -----------------------------------------------------------


def actions(response) -> set[str]:
    page = html(response)
    names = ("self-edit", "submit", "return", "publish", "close-notice", "recheck", "name")
    return {n for n in names if f'data-testid="{n}"' in page}


@pytest.mark.parametrize(
    "stage, total, expected",
    [
        (
            Stage.SELF,
            "85",
            {"secretary": {"self-edit", "submit"}, "reviewer": set(), "county_reviewer": set()},
        ),
        (
            Stage.REVIEW,
            "85",
            {"secretary": set(), "reviewer": {"return", "publish"}, "county_reviewer": {"return", "publish"}},
        ),
        (
            Stage.REVIEW_NOTICE,
            "85",
            {"secretary": set(), "reviewer": {"close-notice"}, "county_reviewer": {"close-notice"}},
        ),
        (Stage.RECHECK, "95", {"secretary": set(), "reviewer": set(), "county_reviewer": {"recheck"}}),
        (Stage.TO_NAME, "85", {"secretary": set(), "reviewer": set(), "county_reviewer": {"name"}}),
        (Stage.NAMED, "85", {"secretary": set(), "reviewer": set(), "county_reviewer": set()}),
    ],
)
def test_detail_shows_only_the_actions_of_the_role_and_stage(
    request, login, rating, tree, stage, total, expected
):
    r = rating(tree["branch"], stage=stage, total=total)
    for who, shown in expected.items():
        response = login(request.getfixturevalue(who)).get(url("rating_detail", r.pk))
        assert response.status_code == 200
        assert actions(response) == shown, who
        steps = {s["value"]: s["state"] for s in response.context["steps"]}
        assert steps[stage] == ("done" if stage == Stage.NAMED else "current")
    if stage == Stage.NAMED:
        assert "只读" in html(response) and 'data-testid="score-form"' not in html(response)


def test_the_stepper_greys_the_recheck_for_a_four_star_rating(login, reviewer, rating, tree):
    r = rating(tree["branch"], stage=Stage.TO_NAME, total="85")
    steps = {s["value"]: s["state"] for s in login(reviewer).get(url("rating_detail", r.pk)).context["steps"]}
    assert steps == {
        "self": "done",
        "review": "done",
        "review_notice": "done",
        "recheck": "skipped",
        "final_notice": "skipped",
        "to_name": "current",
        "named": "todo",
    }


def test_detail_scope(login, outsider, rating, tree):
    r = rating(tree["branch"])
    assert login(outsider).get(url("rating_detail", r.pk)).status_code == 404
    assert login(outsider).get(url("rating_detail", 999999)).status_code == 404


def test_detail_queries_do_not_grow_with_changes_and_files(
    login, reviewer, rating, tree, django_assert_max_num_queries
):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    client = login(reviewer)
    client.get(url("rating_detail", r.pk))
    with CaptureQueriesContext(connection) as first:
        client.get(url("rating_detail", r.pk))
    for score in r.scores.select_related("item").exclude(item__item_type="appraisal")[:5]:
        client.post(url("score_set", r.pk), {"item": score.item_id, "points": "0", "note": "无记录"})
    with CaptureQueriesContext(connection) as second:
        client.get(url("rating_detail", r.pk))
    assert len(second.captured_queries) == len(first.captured_queries)


# --- 支部自评 -------------------------------------------------------------------------------------------------


def test_the_secretary_fills_the_self_assessment(login, secretary, rating, tree):
    r = rating(tree["branch"], total="50")
    client = login(secretary)
    response = client.get(url("rating_self", r.pk))
    assert response.status_code == 200
    page = html(response)
    assert "组织生活达标率" in page and "自动得分" in page and "书记抓党建述职评议" not in page
    fields = {
        f"points-{s.item_id}": str(s.self_points or "")
        for s in r.scores.select_related("item")
        if s.item.item_type != "appraisal"
    }
    meetings_item = r.scores.get(item__title__contains="三会一课").item_id
    fields[f"points-{meetings_item}"] = "11"
    fields[f"note-{meetings_item}"] = "一次支委会延期"
    response = client.post(url("rating_self", r.pk), {**fields, "report": "全年抓党建情况", "action": "save"})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.report == "全年抓党建情况"
    assert r.scores.get(item_id=meetings_item).self_note == "一次支委会延期"


def test_a_bad_self_score_keeps_what_was_typed(login, secretary, rating, tree):
    r = rating(tree["branch"])
    meetings_item = r.scores.get(item__title__contains="三会一课").item_id
    response = login(secretary).post(
        url("rating_self", r.pk),
        {f"points-{meetings_item}": "13", f"note-{meetings_item}": "我的说明", "report": "我写的要点"},
    )
    assert response.status_code == 200
    page = html(response)
    assert (
        "的得分应在0至12.00之间" in page
        and "我的说明" in page
        and "我写的要点" in page
        and 'value="13"' in page
    )


@pytest.mark.parametrize("who", ["reviewer", "county_reviewer", "outsider"])
def test_only_the_secretary_fills_the_self_assessment(request, login, rating, tree, who):
    r = rating(tree["branch"])
    client = login(request.getfixturevalue(who))
    assert client.get(url("rating_self", r.pk)).status_code == 404
    assert client.post(url("rating_submit", r.pk)).status_code == 404
    assert client.get(url("rating_evidence", r.pk)).status_code == 404


def test_self_assessment_after_submit_is_refused_with_a_message(login, secretary, rating, tree):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    response = login(secretary).get(url("rating_self", r.pk), follow=True)
    assert "自评已提交，不能再修改得分" in html(response)


def test_evidence_upload_and_scoped_download(
    settings, tmp_path, login, secretary, outsider, reviewer, rating, tree
):
    settings.MEDIA_ROOT = tmp_path
    r = rating(tree["branch"])
    life = r.scores.get(item__title__contains="组织生活会").item
    client = login(secretary)
    bad = client.post(
        url("rating_evidence", r.pk), {"item": life.pk, "file": SimpleUploadedFile("a.pdf", b"not a pdf")}
    )
    assert bad.status_code == 200 and "只能上传 PDF、JPG 或 PNG 文件" in html(bad)
    good = client.post(
        url("rating_evidence", r.pk), {"item": life.pk, "file": SimpleUploadedFile("记录.pdf", PDF)}
    )
    assert good.status_code == 302
    evidence = r.evidence.get(name="记录.pdf")
    assert login(reviewer).get(url("evidence_download", evidence.pk)).status_code == 200
    assert login(outsider).get(url("evidence_download", evidence.pk)).status_code == 404


def test_submit_confirmation_lists_what_is_missing(login, secretary, defaults, tree):
    from assessment.services.ratings import rating_start

    r = rating_start(organisation=tree["branch"], year=YEAR, by=secretary, today=dt.date(2027, 1, 20))
    client = login(secretary)
    response = client.get(url("rating_submit", r.pk))
    assert response.status_code == 200 and "尚未自评打分" in html(response)
    response = client.post(url("rating_submit", r.pk), {"note": ""})
    assert response.status_code == 200 and "尚未自评打分" in html(response)
    assert Rating.objects.get(pk=r.pk).stage == Stage.SELF


def test_submit_through_the_confirmation(login, secretary, rating, tree):
    r = rating(tree["branch"])
    response = login(secretary).post(url("rating_submit", r.pk), {"note": "请审核"})
    assert response.status_code == 302
    assert Rating.objects.get(pk=r.pk).stage == Stage.REVIEW


# --- 党委考评 ------------------------------------------------------------------------------------------------


def test_the_committee_adjusts_a_score_with_a_note(login, reviewer, rating, tree):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    target = r.scores.get(item__title__contains="三会一课").item_id
    client = login(reviewer)
    response = client.post(url("score_set", r.pk), {"item": target, "points": "8", "note": ""})
    assert response.status_code == 200
    page = html(response)
    assert "调整得分须说明理由。" in page and 'value="8"' in page
    assert not ScoreChange.objects.filter(score__rating=r).exists()
    response = client.post(url("score_set", r.pk), {"item": target, "points": "8", "note": "两次未开"})
    assert response.status_code == 302
    assert ScoreChange.objects.get(score__rating=r).note == "两次未开"
    assert "两次未开" in html(client.get(url("rating_detail", r.pk)))


@pytest.mark.parametrize("who", ["secretary", "outsider"])
def test_only_the_committee_adjusts_scores(request, login, rating, tree, who):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    target = r.scores.first().item_id
    response = login(request.getfixturevalue(who)).post(
        url("score_set", r.pk), {"item": target, "points": "1", "note": "x"}
    )
    assert response.status_code == 404
    assert not ScoreChange.objects.exists()


def test_veto_mark_and_clear(login, reviewer, rating, tree):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    veto = r.template.vetoes.first()
    client = login(reviewer)
    response = client.post(url("veto_mark", r.pk), {"veto": veto.pk, "note": ""})
    assert response.status_code == 200 and not r.vetoes.exists()
    assert client.post(url("veto_mark", r.pk), {"veto": veto.pk, "note": "记录补写"}).status_code == 302
    assert r.vetoes.filter(veto=veto).exists()
    assert client.post(url("veto_clear", r.pk), {"veto": veto.pk, "note": "复核无误"}).status_code == 302
    assert not r.vetoes.exists()


def test_return_with_a_reason(login, reviewer, secretary, rating, tree):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    client = login(reviewer)
    assert client.get(url("rating_return", r.pk)).status_code == 200
    assert client.post(url("rating_return", r.pk), {"note": ""}).status_code == 200
    assert client.post(url("rating_return", r.pk), {"note": "佐证不全"}).status_code == 302
    assert Rating.objects.get(pk=r.pk).stage == Stage.SELF
    page = html(login(secretary).get(url("rating_detail", r.pk)))
    assert "退回理由：佐证不全" in page


def test_publish_defaults_to_a_week_and_refuses_the_wrong_stage(login, reviewer, rating, tree):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    client = login(reviewer)
    form = client.get(url("rating_publish", r.pk)).context["form"]
    today = timezone.localdate()
    assert form.initial == {"starts_on": today, "ends_on": today + dt.timedelta(days=6)}
    response = client.post(url("rating_publish", r.pk), {"starts_on": "2027-01-05", "ends_on": "2027-01-11"})
    assert response.status_code == 200 and "述职评议" in html(response)  # appraisal not entered yet
    appraisal = r.scores.get(item__item_type="appraisal").item_id
    client.post(url("score_set", r.pk), {"item": appraisal, "points": "15", "note": ""})
    response = client.post(url("rating_publish", r.pk), {"starts_on": "2027-01-05", "ends_on": "2027-01-11"})
    assert response.status_code == 302
    assert Rating.objects.get(pk=r.pk).stage == Stage.REVIEW_NOTICE
    again = client.get(url("rating_publish", r.pk), follow=True)
    assert "只有在“党委考评”环节才能考评结果公示" in html(again)


def test_publish_from_self_is_refused_with_the_message(login, reviewer, rating, tree):
    r = rating(tree["branch"])
    response = login(reviewer).post(
        url("rating_publish", r.pk), {"starts_on": "2027-01-05", "ends_on": "2027-01-11"}, follow=True
    )
    assert "当前环节为“支部自评”，只有在“党委考评”环节才能考评结果公示。" in html(response)
    assert Rating.objects.get(pk=r.pk).stage == Stage.SELF


def test_notice_close_explains_why_it_cannot_yet(login, reviewer, rating, tree):
    r = rating(tree["branch"], stage=Stage.REVIEW_NOTICE)
    notice = Publicity.objects.get(rating=r)
    notice.starts_on = timezone.localdate() - dt.timedelta(days=3)
    notice.ends_on = timezone.localdate() + dt.timedelta(days=3)
    notice.save()
    Objection.objects.create(publicity=notice, text="不属实", client="x")
    client = login(reviewer)
    page = html(client.get(url("notice_close", r.pk)))
    assert "期满后才能进入下一环节" in page and "有1条异议尚未处理" in page
    response = client.post(url("notice_close", r.pk), {"note": ""})
    assert response.status_code == 200 and Rating.objects.get(pk=r.pk).stage == Stage.REVIEW_NOTICE


def test_notice_close_after_the_period(login, reviewer, rating, tree):
    r = rating(tree["branch"], stage=Stage.REVIEW_NOTICE)
    # The view closes on the real date: put the period before it.
    today = timezone.localdate()
    Publicity.objects.filter(rating=r).update(
        starts_on=today - dt.timedelta(days=10), ends_on=today - dt.timedelta(days=4)
    )
    response = login(reviewer).post(url("notice_close", r.pk), {"note": ""})
    assert response.status_code == 302 and Rating.objects.get(pk=r.pk).stage == Stage.TO_NAME


# --- 县级复核 and 统一命名 --------------------------------------------------------------------------------------


def test_the_county_rechecks_the_town_may_not(login, reviewer, county_reviewer, rating, tree):
    r = rating(tree["branch"], stage=Stage.RECHECK, total="95")
    assert login(reviewer).get(url("rating_recheck", r.pk)).status_code == 404
    client = login(county_reviewer)
    assert client.get(url("rating_recheck", r.pk)).status_code == 200
    data = {"stars": "5", "note": "实地查看", "starts_on": "2027-01-12", "ends_on": "2027-01-18"}
    assert client.post(url("rating_recheck", r.pk), data).status_code == 302
    assert Rating.objects.get(pk=r.pk).stage == Stage.FINAL_NOTICE


def test_the_county_names_and_the_rating_becomes_read_only(login, reviewer, county_reviewer, rating, tree):
    r = rating(tree["branch"], stage=Stage.TO_NAME, total="85")
    assert login(reviewer).get(url("rating_name", r.pk)).status_code == 404
    client = login(county_reviewer)
    assert client.get(url("rating_name", r.pk)).context["form"].initial["stars"] == 4
    data = {"stars": "5", "named_on": "2027-01-25", "naming_doc": "县组〔2027〕3号"}
    response = client.post(url("rating_name", r.pk), data)
    assert response.status_code == 200 and "命名星级不能高于考评（复核）拟定的4星。" in html(response)
    data["stars"] = "4"
    assert client.post(url("rating_name", r.pk), data).status_code == 302
    named = Rating.objects.get(pk=r.pk)
    assert named.is_named and named.final_stars == 4
    response = client.get(url("rating_name", r.pk), follow=True)
    assert "该评定已命名，不能再修改。" in html(response)
