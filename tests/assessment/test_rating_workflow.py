"""The rating's state machine through its services, per role: every legal step, the illegal ones refused
with their message and nothing written."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assessment.models import (
    ItemType,
    ModelSite,
    Objection,
    Publicity,
    Rating,
    RatingEvent,
    RectificationCase,
    Score,
    ScoreChange,
    Stage,
)
from assessment.services import ratings as services
from branches.models import Role
from tests.assessment.conftest import NOTICE, RECHECK_NOTICE, TODAY, YEAR
from tests.factories import UserFactory, grant

PDF = b"%PDF-1.4\n% test\n"


def item(rating, *, title=None, kind=None):
    scores = rating.scores.select_related("item")
    if title:
        return scores.get(item__title__contains=title).item
    return scores.filter(item__item_type=kind).first().item


def messages_of(excinfo) -> str:
    return "；".join(excinfo.value.messages)


@pytest.fixture
def started(defaults, tree, secretary):
    return services.rating_start(organisation=tree["branch"], year=YEAR, by=secretary, today=TODAY)


# --- legal steps, by the role that owns them --------------------------------------------------------------


def test_the_whole_way_by_the_roles_that_own_each_step(
    settings, tmp_path, defaults, tree, secretary, reviewer, county_reviewer
):
    settings.MEDIA_ROOT = tmp_path
    branch = tree["branch"]
    rating = services.rating_start(organisation=branch, year=YEAR, by=secretary, today=TODAY)
    assert rating.stage == Stage.SELF and rating.scores.count() == len(defaults.items.all())
    # A second start returns the same rating.
    assert services.rating_start(organisation=branch, year=YEAR, by=secretary, today=TODAY).pk == rating.pk

    entries = {}
    for score in rating.scores.select_related("item"):
        if score.item.item_type in (ItemType.BASE, ItemType.BONUS):
            entries[score.item_id] = (score.item.max_points, "")
        elif score.item.item_type == ItemType.PENALTY:
            entries[score.item_id] = ("0", "")
    rating = services.self_scores_save(rating=rating, by=secretary, entries=entries, report="抓党建要点")
    assert rating.self_total == D("80.00")
    for score in rating.scores.select_related("item").filter(item__evidence_required=True):
        upload = SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")
        services.evidence_add(rating=rating, item=score.item, file=upload, by=secretary)
    rating = services.rating_submit(rating=rating, by=secretary)
    assert rating.stage == Stage.REVIEW and rating.total == D("80.00")

    appraisal = item(rating, kind=ItemType.APPRAISAL)
    services.score_set(rating=rating, item=appraisal, points="19", note="", by=reviewer)
    services.score_set(
        rating=rating, item=item(rating, title="品牌"), points="4", note="品牌成效一般", by=reviewer
    )
    rating = services.review_publish(rating=rating, by=reviewer, **NOTICE)
    assert rating.stage == Stage.REVIEW_NOTICE and rating.total == D("98.00") and rating.proposed_stars == 5
    assert Publicity.objects.filter(rating=rating).count() == 1

    rating = services.notice_close(rating=rating, by=reviewer, today=TODAY)
    assert rating.stage == Stage.RECHECK
    rating = services.recheck_record(
        rating=rating, by=county_reviewer, stars=5, note="实地查看属实", **RECHECK_NOTICE
    )
    assert rating.stage == Stage.FINAL_NOTICE
    rating = services.notice_close(rating=rating, by=reviewer, today=TODAY)
    assert rating.stage == Stage.TO_NAME
    rating = services.rating_name(
        rating=rating, by=county_reviewer, stars=5, named_on=TODAY, naming_doc="县组〔2027〕1号"
    )
    assert rating.stage == Stage.NAMED and rating.final_stars == 5
    actions = list(RatingEvent.objects.filter(rating=rating).values_list("action", "by__username"))
    assert actions == [
        ("start", "secretary"),
        ("submit", "secretary"),
        ("publish", "reviewer"),
        ("close_notice", "reviewer"),
        ("recheck", "county"),
        ("close_notice", "reviewer"),
        ("name", "county"),
    ]
    assert ModelSite.objects.filter(organisation=branch, rating=rating).exists()


def test_the_committee_returns_and_the_secretary_resubmits(rating, tree, secretary, reviewer):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    r = services.rating_return(rating=r, by=reviewer, note="佐证材料不全")
    assert r.stage == Stage.SELF
    assert RatingEvent.objects.filter(rating=r, action="return", note="佐证材料不全", by=reviewer).exists()
    r = services.rating_submit(rating=r, by=secretary)
    assert r.stage == Stage.REVIEW


@pytest.mark.parametrize(
    "total, stars, after", [("85", 4, Stage.TO_NAME), ("75", 3, Stage.TO_NAME), ("92", 5, Stage.RECHECK)]
)
def test_publish_decides_the_stars_and_where_the_notice_leads(rating, tree, reviewer, total, stars, after):
    r = rating(tree["branch"], stage=Stage.REVIEW_NOTICE, total=total)
    assert r.proposed_stars == stars
    assert services.notice_close(rating=r, by=reviewer, today=TODAY).stage == after


def test_the_county_may_lower_a_five_star_candidate_to_four(rating, tree, county_reviewer):
    r = rating(tree["branch"], stage=Stage.RECHECK, total="95")
    r = services.recheck_record(rating=r, by=county_reviewer, stars=4, note="台账不全", **RECHECK_NOTICE)
    assert r.proposed_stars == 4
    with pytest.raises(ValidationError) as e:
        services.recheck_record(rating=r, by=county_reviewer, stars=3, note="x", **RECHECK_NOTICE)
    assert "只有在“县级复核”环节才能县级复核" in messages_of(e)


# --- illegal steps: refused with the message, nothing written --------------------------------------------


def _frozen(r):
    r.refresh_from_db()
    return (r.stage, r.version, r.total, RatingEvent.objects.filter(rating=r).count())


def test_publish_from_self_is_refused(rating, tree, reviewer):
    r = rating(tree["branch"], stage=Stage.SELF)
    before = _frozen(r)
    with pytest.raises(ValidationError) as e:
        services.review_publish(rating=r, by=reviewer, **NOTICE)
    assert messages_of(e) == "当前环节为“支部自评”，只有在“党委考评”环节才能考评结果公示。"
    assert _frozen(r) == before and not Publicity.objects.filter(rating=r).exists()


def test_name_from_review_is_refused(rating, tree, county_reviewer):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    before = _frozen(r)
    with pytest.raises(ValidationError) as e:
        services.rating_name(rating=r, by=county_reviewer, stars=4, named_on=TODAY, naming_doc="x")
    assert messages_of(e) == "当前环节为“党委考评”，只有在“待命名”环节才能统一命名。"
    assert _frozen(r) == before


def test_submit_twice_is_refused(rating, tree, secretary):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    with pytest.raises(ValidationError) as e:
        services.rating_submit(rating=r, by=secretary)
    assert "只有在“支部自评”环节才能提交自评" in messages_of(e)


def test_a_named_rating_is_read_only_for_every_service(rating, tree, secretary, reviewer, county_reviewer):
    r = rating(tree["branch"], stage=Stage.NAMED, total="85")
    before = _frozen(r)
    any_item = item(r, kind=ItemType.BASE)
    veto = r.template.vetoes.first()
    calls = [
        lambda: services.rating_return(rating=r, by=reviewer, note="再看看"),
        lambda: services.rating_submit(rating=r, by=secretary),
        lambda: services.review_publish(rating=r, by=reviewer, **NOTICE),
        lambda: services.notice_close(rating=r, by=reviewer, today=TODAY),
        lambda: services.recheck_record(rating=r, by=county_reviewer, stars=5, note="x", **NOTICE),
        lambda: services.rating_name(rating=r, by=county_reviewer, stars=4, named_on=TODAY, naming_doc="x"),
        lambda: services.self_scores_save(rating=r, by=secretary, entries={any_item.pk: ("1", "")}),
        lambda: services.score_set(rating=r, item=any_item, points="1", note="改", by=reviewer),
        lambda: services.veto_mark(rating=r, veto=veto, note="造假", by=reviewer),
        lambda: services.veto_clear(rating=r, veto=veto, note="误判", by=reviewer),
        lambda: services.evidence_add(
            rating=r, item=any_item, file=SimpleUploadedFile("a.pdf", PDF), by=secretary
        ),
    ]
    seen = []
    for call in calls:
        with pytest.raises(ValidationError) as e:
            call()
        seen.append(messages_of(e))
    assert seen[:6] == ["该评定已命名，不能再修改。"] * 6
    services.indicators_refresh(r, today=TODAY)  # a no-op once named
    assert _frozen(r) == before


def test_a_score_change_needs_a_note(rating, tree, reviewer):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    base = item(r, title="三会一课")
    with pytest.raises(ValidationError) as e:
        services.score_set(rating=r, item=base, points="5", note="  ", by=reviewer)
    assert e.value.message_dict == {"note": ["调整得分须说明理由。"]}
    assert (
        not ScoreChange.objects.filter(score__rating=r).exclude(score__item__item_type="appraisal").exists()
    )
    services.score_set(rating=r, item=base, points="5", note="两次党课无记录", by=reviewer)
    change = ScoreChange.objects.get(score__rating=r, score__item=base)
    assert (change.before, change.after, change.note, change.by) == (
        D("12.00"),
        D("5.00"),
        "两次党课无记录",
        reviewer,
    )


def test_points_outside_the_item_are_refused(rating, tree, reviewer):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    base = item(r, title="三会一课")
    for bad in ("12.01", "-1", "abc", "NaN"):
        with pytest.raises(ValidationError):
            services.score_set(rating=r, item=base, points=bad, note="x", by=reviewer)
    assert Score.objects.get(rating=r, item=base).points == D("12.00")


def test_evidence_is_required_before_submit(started, secretary):
    life = item(started, title="组织生活会")
    entries = {
        s.item_id: ("1", "") for s in started.scores.select_related("item") if s.item.item_type == "base"
    }
    services.self_scores_save(rating=started, by=secretary, entries=entries)
    with pytest.raises(ValidationError) as e:
        services.rating_submit(rating=started, by=secretary)
    assert f"“{life.title}”须上传佐证材料。" in e.value.messages
    started.refresh_from_db()
    assert started.stage == Stage.SELF


def test_every_base_item_needs_a_score_before_submit(started, secretary):
    first = item(started, title="组织生活会")
    services.self_scores_save(rating=started, by=secretary, entries={first.pk: ("", "")})
    with pytest.raises(ValidationError) as e:
        services.rating_submit(rating=started, by=secretary)
    assert f"“{first.title}”尚未自评打分。" in e.value.messages


def test_publish_needs_the_appraisal_and_a_five_to_thirty_day_notice(rating, tree, reviewer):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    with pytest.raises(ValidationError) as e:
        services.review_publish(rating=r, by=reviewer, **NOTICE)
    assert "请先录入“书记抓党建述职评议”（述职评议）得分。" in e.value.messages
    services.score_set(rating=r, item=item(r, kind="appraisal"), points="15", note="", by=reviewer)
    with pytest.raises(ValidationError) as e:
        services.review_publish(
            rating=r, by=reviewer, starts_on=dt.date(2027, 1, 5), ends_on=dt.date(2027, 1, 8)
        )
    assert "公示期应为5至30天（现为4天）。" in e.value.messages


# --- who may do what ------------------------------------------------------------------------------------


def test_a_secretary_cannot_review_their_own_branch_even_as_a_reviewer_above(rating, tree, secretary):
    grant(secretary, tree["town"], Role.REVIEWER)
    secretary._grant_cache = None
    r = rating(tree["branch"], stage=Stage.REVIEW)
    with pytest.raises(PermissionDenied):
        services.score_set(rating=r, item=item(r, kind="appraisal"), points="10", note="", by=secretary)
    with pytest.raises(PermissionDenied):
        services.review_publish(rating=r, by=secretary, **NOTICE)
    with pytest.raises(PermissionDenied):
        services.rating_return(rating=r, by=secretary, note="x")
    # …but reviews the other branch of the town.
    other = rating(tree["other_branch"], stage=Stage.REVIEW)
    services.rating_return(rating=other, by=secretary, note="请补充")


def test_the_committee_does_not_keep_the_branch_records(rating, tree, reviewer, started):
    with pytest.raises(PermissionDenied):
        services.rating_submit(rating=started, by=reviewer)
    with pytest.raises(PermissionDenied):
        services.self_scores_save(rating=started, by=reviewer, entries={})
    with pytest.raises(PermissionDenied):
        services.rating_start(organisation=tree["other_branch"], year=YEAR, by=reviewer, today=TODAY)


def test_the_town_reviewer_cannot_recheck_or_name_the_county_can(rating, tree, reviewer, county_reviewer):
    r = rating(tree["branch"], stage=Stage.RECHECK, total="95")
    with pytest.raises(PermissionDenied):
        services.recheck_record(rating=r, by=reviewer, stars=5, note="x", **RECHECK_NOTICE)
    services.recheck_record(rating=r, by=county_reviewer, stars=5, note="属实", **RECHECK_NOTICE)
    n = rating(tree["other_branch"], stage=Stage.TO_NAME, total="85")
    with pytest.raises(PermissionDenied):
        services.rating_name(rating=n, by=reviewer, stars=4, named_on=TODAY, naming_doc="x")
    assert services.rating_name(
        rating=n, by=county_reviewer, stars=4, named_on=TODAY, naming_doc="x"
    ).is_named


def test_outsiders_are_refused_everything(rating, tree, outsider, started):
    r = rating(tree["other_branch"], stage=Stage.REVIEW)
    with pytest.raises(PermissionDenied):
        services.rating_submit(rating=started, by=outsider)
    with pytest.raises(PermissionDenied):
        services.rating_return(rating=r, by=outsider, note="x")
    stranger = UserFactory(username="stranger")
    with pytest.raises(PermissionDenied):
        services.rating_start(organisation=tree["branch"], year=YEAR + 1, by=stranger, today=TODAY)


# --- outcomes and 公示 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("total, stars", [("65", 2), ("40", 1)])
def test_two_stars_or_fewer_opens_a_rectification_case(rating, tree, total, stars):
    r = rating(tree["branch"], stage=Stage.NAMED, total=total)
    assert r.final_stars == stars
    case = RectificationCase.objects.get(rating=r)
    assert case.organisation == tree["branch"] and case.status == "open" and case.opened_on == TODAY


def test_three_stars_opens_nothing(rating, tree):
    r = rating(tree["branch"], stage=Stage.NAMED, total="75")
    assert not RectificationCase.objects.filter(rating=r).exists() and not ModelSite.objects.exists()


def test_five_stars_makes_a_model_site(rating, tree):
    r = rating(tree["branch"], stage=Stage.NAMED, total="96")
    assert r.final_stars == 5
    assert ModelSite.objects.get(rating=r).status == "active"


def test_a_veto_caps_the_published_stars(rating, tree, reviewer):
    r = rating(tree["branch"], stage=Stage.REVIEW, total="96")
    veto = r.template.vetoes.filter(max_stars=2).first()
    services.veto_mark(rating=r, veto=veto, note="会议记录系补写", by=reviewer)
    services.score_set(rating=r, item=item(r, kind="appraisal"), points="16", note="", by=reviewer)
    r = services.review_publish(rating=r, by=reviewer, **NOTICE)
    assert r.total == D("96.00") and r.proposed_stars == 2


def test_a_veto_needs_a_note(rating, tree, reviewer):
    r = rating(tree["branch"], stage=Stage.REVIEW)
    with pytest.raises(ValidationError):
        services.veto_mark(rating=r, veto=r.template.vetoes.first(), note="", by=reviewer)


def test_notice_close_waits_for_the_end_of_the_period(rating, tree, reviewer):
    r = rating(tree["branch"], stage=Stage.REVIEW_NOTICE)
    ends = NOTICE["ends_on"]
    with pytest.raises(ValidationError) as e:
        services.notice_close(rating=r, by=reviewer, today=ends)
    assert messages_of(e) == "公示期至2027年01月11日结束，期满后才能进入下一环节。"
    r.refresh_from_db()
    assert r.stage == Stage.REVIEW_NOTICE
    assert (
        services.notice_close(rating=r, by=reviewer, today=ends + dt.timedelta(days=1)).stage == Stage.TO_NAME
    )


def test_notice_close_waits_for_open_objections(rating, tree, reviewer):
    r = rating(tree["branch"], stage=Stage.REVIEW_NOTICE)
    notice = Publicity.objects.get(rating=r)
    objection = Objection.objects.create(publicity=notice, text="会议记录不实", client="x")
    with pytest.raises(ValidationError) as e:
        services.notice_close(rating=r, by=reviewer, today=TODAY)
    assert messages_of(e) == "公示期间收到的异议尚未全部处理，请先记录处理情况。"
    objection.status = "handled"
    objection.save()
    assert services.notice_close(rating=r, by=reviewer, today=TODAY).stage == Stage.TO_NAME


def test_naming_above_the_proposal_is_refused(rating, tree, county_reviewer):
    r = rating(tree["branch"], stage=Stage.TO_NAME, total="85")
    with pytest.raises(ValidationError) as e:
        services.rating_name(rating=r, by=county_reviewer, stars=5, named_on=TODAY, naming_doc="x")
    assert e.value.message_dict == {"stars": ["命名星级不能高于考评（复核）拟定的4星。"]}
    assert Rating.objects.get(pk=r.pk).stage == Stage.TO_NAME
