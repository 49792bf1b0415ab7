"""The star rating's workflow (DOMAIN §5): one state machine, every step here.

支部自评 → 党委考评 → 考评公示 → (五星候选) 县级复核 → 复核公示 → 待命名 → 统一命名.

Each function checks the user's role over the branch (PermissionDenied: the view
answers 404), the stage (``rules.transition_error``: a ValidationError with the
reason) and its input, then writes in one transaction under a row lock and records
a RatingEvent with who, when and the note. A named rating is read-only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from branches import access, audit
from branches.models import Organisation

from .. import indicators, rules, uploads
from ..models import (
    Evidence,
    ItemType,
    Rating,
    RatingEvent,
    RatingTemplate,
    RatingVeto,
    Score,
    ScoreChange,
    Stage,
    TemplateItem,
    TemplateStatus,
    VetoItem,
)
from . import publicity as publicity_services
from . import rectification as rectification_services
from . import sites as site_services

MAX_NOTICE_DAYS = 30
MIN_NOTICE_DAYS = 5  # 公示 lasts at least five working days in practice; the portal asks for five days


# ---------------------------------------------------------------- templates


def active_template(year: int) -> RatingTemplate | None:
    return RatingTemplate.objects.filter(year=year, status=TemplateStatus.ACTIVE).first()


def template_errors(template: RatingTemplate) -> list[str]:
    items = [
        rules.ItemSpec(dimension=i.dimension, item_type=i.item_type, max_points=i.max_points)
        for i in template.items.all()
    ]
    thresholds = {t.stars: t.min_score for t in template.thresholds.all()}
    return rules.template_errors(items, thresholds, [v.max_stars for v in template.vetoes.all()])


@transaction.atomic
def template_activate(template: RatingTemplate) -> RatingTemplate:
    """Activate a template for its year (the earlier active one retires); refused when the weights break."""
    errors = template_errors(template)
    if errors:
        raise ValidationError(errors)
    RatingTemplate.objects.filter(year=template.year, status=TemplateStatus.ACTIVE).exclude(
        pk=template.pk
    ).update(status=TemplateStatus.RETIRED)
    template.status = TemplateStatus.ACTIVE
    template.save(update_fields=["status"])
    return template


# ---------------------------------------------------------------- helpers


def _require(user, organisation: Organisation, role: str) -> None:
    allowed = {
        "secretary": access.can_record,
        "committee": access.can_assess,
        "higher": access.can_assess_higher,
    }[role]
    if not allowed(user, organisation):
        raise PermissionDenied


def _locked(rating: Rating) -> Rating:
    return Rating.objects.select_for_update().select_related("organisation", "template").get(pk=rating.pk)


def _step(user, rating: Rating, action: str) -> Rating:
    """Lock the rating, check the role and the stage for ``action``."""
    _, role = rules.TRANSITIONS[action]
    _require(user, rating.organisation, role)
    rating = _locked(rating)
    error = rules.transition_error(action, rating.stage)
    if error:
        raise ValidationError(error)
    return rating


def _event(rating: Rating, *, action: str, from_stage: str, note: str = "", by=None) -> None:
    RatingEvent.objects.create(
        rating=rating, action=action, from_stage=from_stage, to_stage=rating.stage, note=note, by=by
    )


def _note(note: str | None, *, required: str = "") -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({"note": required})
    if len(note) > 2000:
        raise ValidationError({"note": "说明不能超过2000个字。"})
    return note


def parse_points(value, item: TemplateItem, *, field: str) -> Decimal:
    """A score between 0 and the item's maximum, to the cent; ValidationError with the item's name."""
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"“{item.title}”的得分应为数字。"}) from None
    if not points.is_finite() or points < 0 or points > item.max_points:
        raise ValidationError({field: f"“{item.title}”的得分应在0至{item.max_points}之间。"})
    return rules.cents(points)


def _totals(rating: Rating) -> None:
    scores = list(rating.scores.select_related("item"))
    rating.self_total = rules.total((s.item.item_type, s.self_points) for s in scores)
    rating.total = rules.total((s.item.item_type, s.points) for s in scores)


def veto_caps(rating: Rating) -> list[int]:
    return list(rating.vetoes.values_list("veto__max_stars", flat=True))


def stars_now(rating: Rating) -> int:
    """The stars the current total reaches under the template's thresholds, capped by marked vetoes."""
    thresholds = dict(rating.template.thresholds.values_list("stars", "min_score"))
    return rules.capped_stars(rules.stars_for(rating.total, thresholds), veto_caps(rating))


# ---------------------------------------------------------------- 支部自评


@transaction.atomic
def rating_start(*, organisation: Organisation, year: int, by=None, today: dt.date | None = None) -> Rating:
    """Open (or return) the branch's rating for the year, items laid out and indicators prefilled."""
    today = today or timezone.localdate()
    if by is not None:
        _require(by, organisation, "secretary")
    if not organisation.is_branch:
        raise ValidationError("只有党支部参加星级评定。")
    existing = Rating.objects.filter(organisation=organisation, year=year).first()
    if existing:
        return existing
    template = active_template(year)
    if template is None:
        raise ValidationError(f"{year}年度的星级评定标准尚未启用，请联系系统管理员。")
    rating = Rating.objects.create(
        organisation=organisation, org_path=organisation.path, template=template, year=year
    )
    audit.created(Score.objects.bulk_create(Score(rating=rating, item=item) for item in template.items.all()))
    indicators_refresh(rating, today=today)
    _event(rating, action="start", from_stage="", note="开始自评", by=by)
    return rating


def indicators_refresh(rating: Rating, *, today: dt.date | None = None) -> None:
    """Fill the automatic items from the data; a score the secretary has not touched follows its indicator."""
    today = today or timezone.localdate()
    if rating.is_named:
        return
    values = indicators.for_branches([rating.organisation_id], rating.year, today=today)[
        rating.organisation_id
    ]
    changed, rescored = [], []
    for score in rating.scores.select_related("item").exclude(item__indicator=""):
        value = values.get(score.item.indicator)
        auto = rules.points_for(value, score.item.mapping, score.item.max_points)
        if rating.stage == Stage.SELF and score.self_points in (None, score.auto_points):
            if score.self_points != auto:
                rescored.append(score)
            score.self_points = auto
        score.indicator_value, score.auto_points = value, auto
        changed.append(score)
    Score.objects.bulk_update(changed, ["indicator_value", "auto_points", "self_points"])
    audit.updated(rescored)  # the indicator values themselves are not audited
    _totals(rating)
    rating.save(update_fields=["self_total", "total", "updated_at"])


@transaction.atomic
def self_scores_save(
    *, rating: Rating, by, entries: dict[int, tuple[object, str]], report: str = ""
) -> Rating:
    """The secretary's scores: ``{item id: (points or "", note)}``; the appraisal is not theirs to give."""
    _require(by, rating.organisation, "secretary")
    rating = _locked(rating)
    if rating.stage != Stage.SELF:
        raise ValidationError(f"当前环节为“{rating.get_stage_display()}”，自评已提交，不能再修改得分。")
    scores = {s.item_id: s for s in rating.scores.select_related("item")}
    errors: dict[str, list[str]] = {}
    changed = []
    for item_id, (value, note) in entries.items():
        score = scores.get(item_id)
        if score is None or score.item.item_type == ItemType.APPRAISAL:
            raise ValidationError("提交的项目不属于本次评定，未保存任何得分。")
        field = f"points-{item_id}"
        try:
            points = None if str(value).strip() == "" else parse_points(value, score.item, field=field)
        except ValidationError as e:
            errors.setdefault(field, []).extend(e.message_dict[field])
            continue
        note = (note or "").strip()
        if len(note) > 500:
            errors.setdefault(field, []).append(f"“{score.item.title}”的说明不能超过500个字。")
            continue
        if (score.self_points, score.self_note) != (points, note):
            score.self_points, score.self_note = points, note
            changed.append(score)
    if len(report or "") > 5000:
        errors.setdefault("report", []).append("述职要点不能超过5000个字。")
    if errors:
        raise ValidationError(errors)
    Score.objects.bulk_update(changed, ["self_points", "self_note"])
    audit.updated(changed)
    rating.report = (report or "").strip()
    rating.version += 1
    _totals(rating)
    rating.save(update_fields=["report", "version", "self_total", "total", "updated_at"])
    return rating


@transaction.atomic
def evidence_add(*, rating: Rating, item: TemplateItem, file, by) -> Evidence:
    _require(by, rating.organisation, "secretary")
    rating = _locked(rating)
    if rating.stage not in (Stage.SELF, Stage.REVIEW):
        raise ValidationError("只有在自评和考评环节可以补充佐证材料。")
    if item.template_id != rating.template_id:
        raise ValidationError("该项目不属于本次评定。")
    ext, sha256, name = uploads.checked(file)
    evidence = Evidence(rating=rating, item=item, name=name, size=file.size, sha256=sha256, uploaded_by=by)
    evidence.file.save(f"evidence{ext}", file, save=False)
    evidence.save()
    return evidence


def submit_errors(rating: Rating) -> list[str]:
    """What keeps the self-assessment from going to the committee."""
    errors = []
    with_evidence = set(rating.evidence.values_list("item_id", flat=True))
    for score in rating.scores.select_related("item"):
        item = score.item
        if item.item_type == ItemType.APPRAISAL:
            continue
        if score.self_points is None and item.item_type == ItemType.BASE:
            errors.append(f"“{item.title}”尚未自评打分。")
        if item.evidence_required and (score.self_points or 0) > 0 and item.pk not in with_evidence:
            errors.append(f"“{item.title}”须上传佐证材料。")
    return errors


@transaction.atomic
def rating_submit(*, rating: Rating, by, note: str = "") -> Rating:
    rating = _step(by, rating, "submit")
    errors = submit_errors(rating)
    if errors:
        raise ValidationError(errors)
    # The committee starts from the branch's own scores (again after a return).
    scored = rating.scores.exclude(item__item_type=ItemType.APPRAISAL)
    scored.update(points=F("self_points"))
    audit.changed(Score, scored.values_list("pk", flat=True))
    from_stage, rating.stage = rating.stage, Stage.REVIEW
    _totals(rating)
    rating.version += 1
    rating.save(update_fields=["stage", "total", "self_total", "version", "updated_at"])
    _event(rating, action="submit", from_stage=from_stage, note=_note(note), by=by)
    return rating


# ---------------------------------------------------------------- 党委考评


@transaction.atomic
def score_set(*, rating: Rating, item: TemplateItem, points, note: str, by) -> Score:
    """The committee changes one score (a note is required) or enters the appraisal (述职评议)."""
    _require(by, rating.organisation, "committee")
    rating = _locked(rating)
    if rating.stage != Stage.REVIEW:
        raise ValidationError(f"只有在“党委考评”环节可以调整得分，当前为“{rating.get_stage_display()}”。")
    score = Score.objects.select_related("item").filter(rating=rating, item=item).first()
    if score is None:
        raise ValidationError("该项目不属于本次评定。")
    value = parse_points(points, score.item, field="points")
    is_appraisal = score.item.item_type == ItemType.APPRAISAL
    note = _note(note, required="" if is_appraisal else "调整得分须说明理由。")
    if value == score.points:
        return score
    ScoreChange.objects.create(
        score=score, before=score.points, after=value, note=note or "述职评议得分", by=by
    )
    score.points = value
    score.save(update_fields=["points"])
    _totals(rating)
    rating.version += 1
    rating.save(update_fields=["total", "self_total", "version", "updated_at"])
    return score


@transaction.atomic
def veto_mark(*, rating: Rating, veto: VetoItem, note: str, by) -> RatingVeto:
    _require(by, rating.organisation, "committee")
    rating = _locked(rating)
    if rating.stage not in (Stage.REVIEW, Stage.RECHECK):
        raise ValidationError("只有在考评或复核环节可以认定一票否决。")
    if veto.template_id != rating.template_id:
        raise ValidationError("该否决项不属于本次评定标准。")
    note = _note(note, required="请说明认定一票否决的情况。")
    found, _ = RatingVeto.objects.get_or_create(rating=rating, veto=veto, defaults={"note": note, "by": by})
    _event(rating, action="veto", from_stage=rating.stage, note=f"一票否决：{veto.title}。{note}", by=by)
    return found


@transaction.atomic
def veto_clear(*, rating: Rating, veto: VetoItem, note: str, by) -> None:
    _require(by, rating.organisation, "committee")
    rating = _locked(rating)
    if rating.stage not in (Stage.REVIEW, Stage.RECHECK):
        raise ValidationError("只有在考评或复核环节可以撤销一票否决。")
    note = _note(note, required="请说明撤销的理由。")
    if RatingVeto.objects.filter(rating=rating, veto=veto).delete()[0]:
        _event(
            rating,
            action="veto_clear",
            from_stage=rating.stage,
            note=f"撤销一票否决：{veto.title}。{note}",
            by=by,
        )


@transaction.atomic
def rating_return(*, rating: Rating, by, note: str) -> Rating:
    rating = _step(by, rating, "return")
    note = _note(note, required="退回须说明理由。")
    from_stage, rating.stage = rating.stage, Stage.SELF
    rating.version += 1
    rating.save(update_fields=["stage", "version", "updated_at"])
    _event(rating, action="return", from_stage=from_stage, note=note, by=by)
    rectification_services.notify_branch(
        rating.organisation,
        key=f"rating-return-{rating.pk}-{rating.version}",
        title=f"{rating.year}年度星级自评被退回",
        body=note,
        link=rating.get_absolute_url(),
    )
    return rating


def _notice_period(starts_on, ends_on) -> tuple[dt.date, dt.date]:
    if not isinstance(starts_on, dt.date) or not isinstance(ends_on, dt.date):
        raise ValidationError({"starts_on": "请填写公示的开始和结束日期。"})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "公示结束日期不能早于开始日期。"})
    days = (ends_on - starts_on).days + 1
    if days < MIN_NOTICE_DAYS or days > MAX_NOTICE_DAYS:
        raise ValidationError(
            {"ends_on": f"公示期应为{MIN_NOTICE_DAYS}至{MAX_NOTICE_DAYS}天（现为{days}天）。"}
        )
    return starts_on, ends_on


@transaction.atomic
def review_publish(*, rating: Rating, by, starts_on: dt.date, ends_on: dt.date, note: str = "") -> Rating:
    """The committee's result goes under 公示: stars from the total, capped by vetoes.

    A total that reaches five stars makes a five-star candidate for the county re-check; the
    committee itself decides one to four.
    """
    rating = _step(by, rating, "publish")
    starts_on, ends_on = _notice_period(starts_on, ends_on)
    missing = rating.scores.filter(item__item_type=ItemType.APPRAISAL, points__isnull=True).select_related(
        "item"
    )
    if missing:
        raise ValidationError([f"请先录入“{s.item.title}”（述职评议）得分。" for s in missing])
    rating.proposed_stars = stars_now(rating)
    from_stage, rating.stage = rating.stage, Stage.REVIEW_NOTICE
    rating.version += 1
    rating.save(update_fields=["proposed_stars", "stage", "version", "updated_at"])
    label = (
        "五星候选（待县级复核）"
        if rating.proposed_stars == rules.MODEL_SITE_STARS
        else f"{rating.proposed_stars}星"
    )
    publicity_services.publicity_open(
        organisation=rating.organisation,
        subject="rating",
        title=f"{rating.organisation.name}{rating.year}年度星级评定结果：{label}",
        body=f"考评总分{rating.total}分，拟定为{label}。",
        starts_on=starts_on,
        ends_on=ends_on,
        rating=rating,
        by=by,
    )
    _event(
        rating,
        action="publish",
        from_stage=from_stage,
        note=_note(note) or f"拟定{label}，公示至{ends_on}",
        by=by,
    )
    return rating


@transaction.atomic
def notice_close(*, rating: Rating, by, note: str = "", today: dt.date | None = None) -> Rating:
    """The 公示 has ended and every objection is handled: on to the re-check or to naming."""
    today = today or timezone.localdate()
    rating = _step(by, rating, "close_notice")
    current = rating.publicities.order_by("-starts_on", "-pk").first()
    if current is not None:
        if today <= current.ends_on:
            raise ValidationError(f"公示期至{current.ends_on:%Y年%m月%d日}结束，期满后才能进入下一环节。")
        if current.objections.filter(status="open").exists():
            raise ValidationError("公示期间收到的异议尚未全部处理，请先记录处理情况。")
    from_stage = rating.stage
    rating.stage = rules.after_notice(from_stage, rating.proposed_stars)
    rating.version += 1
    rating.save(update_fields=["stage", "version", "updated_at"])
    _event(
        rating,
        action="close_notice",
        from_stage=from_stage,
        note=_note(note) or "公示期满，无异议或异议已处理",
        by=by,
    )
    return rating


# ---------------------------------------------------------------- 县级复核 and 统一命名


@transaction.atomic
def recheck_record(
    *, rating: Rating, by, stars: int, note: str, starts_on: dt.date, ends_on: dt.date
) -> Rating:
    """The county's on-site re-check of a five-star candidate: keeps five stars or lowers to four."""
    rating = _step(by, rating, "recheck")
    note = _note(note, required="请填写实地复核意见。")
    if stars not in (4, 5):
        raise ValidationError({"stars": "复核结论应为五星或四星。"})
    stars = rules.capped_stars(stars, veto_caps(rating))
    starts_on, ends_on = _notice_period(starts_on, ends_on)
    rating.recheck_note, rating.proposed_stars = note, stars
    from_stage, rating.stage = rating.stage, Stage.FINAL_NOTICE
    rating.version += 1
    rating.save(update_fields=["recheck_note", "proposed_stars", "stage", "version", "updated_at"])
    publicity_services.publicity_open(
        organisation=rating.organisation,
        subject="rating",
        title=f"{rating.organisation.name}{rating.year}年度星级评定复核结果：{stars}星",
        body=f"经县级实地复核，拟命名为{stars}星级党支部。",
        starts_on=starts_on,
        ends_on=ends_on,
        rating=rating,
        by=by,
    )
    _event(rating, action="recheck", from_stage=from_stage, note=note, by=by)
    return rating


@transaction.atomic
def rating_name(
    *, rating: Rating, by, stars: int, named_on: dt.date, naming_doc: str, note: str = ""
) -> Rating:
    """统一命名: the final stars, the date and the document. ≤2 stars opens a rectification case;
    five stars puts the branch on the model-site list."""
    rating = _step(by, rating, "name")
    naming_doc = (naming_doc or "").strip()
    if not naming_doc:
        raise ValidationError({"naming_doc": "请填写命名文件文号。"})
    if len(naming_doc) > 60:
        raise ValidationError({"naming_doc": "文号不能超过60个字。"})
    if not isinstance(named_on, dt.date):
        raise ValidationError({"named_on": "请填写命名日期。"})
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": "星级应为1至5。"})
    if rating.proposed_stars is not None and stars > rating.proposed_stars:
        raise ValidationError({"stars": f"命名星级不能高于考评（复核）拟定的{rating.proposed_stars}星。"})
    if stars > rules.capped_stars(5, veto_caps(rating)):
        raise ValidationError({"stars": "存在一票否决情形，命名星级不能高于否决项规定的星级。"})
    from_stage = rating.stage
    rating.final_stars, rating.named_on, rating.naming_doc = stars, named_on, naming_doc
    rating.stage = Stage.NAMED
    rating.version += 1
    rating.save(update_fields=["final_stars", "named_on", "naming_doc", "stage", "version", "updated_at"])
    _event(
        rating,
        action="name",
        from_stage=from_stage,
        note=_note(note) or f"命名为{stars}星（{naming_doc}）",
        by=by,
    )
    if stars <= rules.RECTIFY_AT_OR_BELOW:
        rectification_services.case_open(
            organisation=rating.organisation,
            reason=f"{rating.year}年度星级评定为{stars}星，列为软弱涣散党组织整顿。",
            rating=rating,
            opened_on=named_on,
        )
    elif stars == rules.MODEL_SITE_STARS:
        site_services.site_enter(rating=rating, entered_on=named_on)
    return rating
