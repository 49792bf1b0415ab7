"""Pure rules of star rating and acceptance (DOMAIN §5): plain values in, plain values out."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

MIN_SCORED_SHARE = Decimal("0.70")  # base + bonus − penalty weighs at least 70 % of the total
MAX_APPRAISAL_SHARE = Decimal("0.30")  # the appraisal (述职评议) at most 30 %
DIMENSIONS = ("team", "operation", "members", "life", "support", "role")
REVIEW_MAX_STARS = 4  # the committee decides one to four stars; five goes to the county re-check
RECTIFY_AT_OR_BELOW = 2  # ≤2 stars → 软弱涣散整顿
MODEL_SITE_STARS = 5

CENT = Decimal("0.01")


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ItemSpec:
    dimension: str
    item_type: str
    max_points: Decimal


def template_errors(
    items: Sequence[ItemSpec], thresholds: dict[int, Decimal], vetoes: Iterable[int] = ()
) -> list[str]:
    """Why a template cannot be activated; an empty list when it can.

    Weights: the largest score of base and bonus items (what base+bonus−penalty can reach)
    is at least 70 % of the largest total, the appraisal items at most 30 %. Penalties
    only take away and do not weigh.
    """
    errors = []
    if not items:
        return ["没有评定项目。"]
    if any(i.max_points <= 0 for i in items):
        errors.append("每个项目的分值必须大于0。")
    missing = [d for d in DIMENSIONS if not any(i.dimension == d for i in items)]
    if missing:
        errors.append(f"六个维度都应有评定项目，缺少{len(missing)}个维度。")
    scored = sum((i.max_points for i in items if i.item_type in ("base", "bonus")), Decimal(0))
    appraisal = sum((i.max_points for i in items if i.item_type == "appraisal"), Decimal(0))
    whole = scored + appraisal
    if whole <= 0:
        errors.append("基础项、加分项和评议项的分值合计必须大于0。")
    else:
        if appraisal > whole * MAX_APPRAISAL_SHARE:
            shown = (appraisal * 100 / whole).quantize(CENT, rounding=ROUND_CEILING)
            errors.append(f"评议项占总分{shown}%，不得超过30%。")
        if scored < whole * MIN_SCORED_SHARE:
            shown = (scored * 100 / whole).quantize(CENT, rounding=ROUND_FLOOR)
            errors.append(f"基础项与加分项占总分{shown}%，不得低于70%。")
    errors.extend(threshold_errors(thresholds))
    if any(not 1 <= v <= 5 for v in vetoes):
        errors.append("一票否决项的最高星级应在1至5之间。")
    return errors


def threshold_errors(thresholds: dict[int, Decimal]) -> list[str]:
    """Five thresholds, one per star, rising with the stars; one star from 0."""
    if sorted(thresholds) != [1, 2, 3, 4, 5]:
        return ["应为一星至五星各设一条分数线。"]
    errors = []
    if thresholds[1] != 0:
        errors.append("一星的分数线应为0。")
    for stars in range(2, 6):
        if thresholds[stars] <= thresholds[stars - 1]:
            errors.append(f"{stars}星的分数线应高于{stars - 1}星。")
    return errors


def stars_for(total: Decimal, thresholds: dict[int, Decimal]) -> int:
    """The most stars whose threshold the total reaches (≥90.00 → five by default; 89.99 → four)."""
    reached = [stars for stars, floor in thresholds.items() if total >= floor]
    return max(reached) if reached else 1


def capped_stars(stars: int, veto_caps: Iterable[int]) -> int:
    """一票否决: each marked veto caps the stars, whatever the score."""
    return min([stars, *veto_caps])


def points_for(value: Decimal | None, mapping: dict, max_points: Decimal) -> Decimal | None:
    """An indicator's value to points by the item's bands; None when there is no value.

    ``higher``: bands [[floor, points], …], the first (highest) floor the value reaches;
    ``lower``: bands [[ceiling, points], …], the first (lowest) ceiling the value stays within.
    Outside every band: 0. Never above the item's maximum.
    """
    if value is None:
        return None
    bands = [(Decimal(str(t)), Decimal(str(p))) for t, p in mapping.get("bands", [])]
    if mapping.get("direction", "higher") == "lower":
        hit = next((p for t, p in sorted(bands) if value <= t), Decimal(0))
    else:
        hit = next((p for t, p in sorted(bands, reverse=True) if value >= t), Decimal(0))
    return cents(min(max(hit, Decimal(0)), max_points))


def total(scores: Iterable[tuple[str, Decimal | None]]) -> Decimal:
    """base + bonus + appraisal − penalty; never below 0. Items without a score count 0."""
    result = Decimal(0)
    for item_type, points in scores:
        if points is None:
            continue
        result += -points if item_type == "penalty" else points
    return cents(max(result, Decimal(0)))


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return cents(Decimal(part) * 100 / Decimal(whole))


def sample_size(population: int, ratio: Decimal) -> int:
    """How many of ``population`` a ratio checks: rounded up, at least one when there are any."""
    if population <= 0:
        return 0
    return min(population, max(1, math.ceil(Decimal(population) * ratio - Decimal("1e-9"))))


def draw_sample(ids: Iterable[int], ratio: Decimal, seed: int) -> list[int]:
    """A reproducible random sample: the same ids, ratio and seed give the same branches."""
    ordered = sorted(set(ids))
    picked = random.Random(seed).sample(ordered, sample_size(len(ordered), ratio))  # noqa: S311 - not security
    return sorted(picked)


# The rating's state machine: action → (stages it may start from, the role it needs).
# Roles: "secretary" keeps the branch's records; "committee" reviews it (a reviewer in scope,
# never the branch's own secretary); "higher" is the level above that committee (县级).
TRANSITIONS = {
    "submit": (("self",), "secretary"),
    "return": (("review",), "committee"),
    "publish": (("review",), "committee"),
    "close_notice": (("review_notice", "final_notice"), "committee"),
    "recheck": (("recheck",), "higher"),
    "name": (("to_name",), "higher"),
}
STAGE_NAMES = {
    "self": "支部自评",
    "review": "党委考评",
    "review_notice": "考评公示",
    "recheck": "县级复核",
    "final_notice": "复核公示",
    "to_name": "待命名",
    "named": "已命名",
}
ACTION_NAMES = {
    "submit": "提交自评",
    "return": "退回自评",
    "publish": "考评结果公示",
    "close_notice": "公示结束",
    "recheck": "县级复核",
    "name": "统一命名",
}


def transition_error(action: str, stage: str) -> str | None:
    """Why ``action`` cannot happen at ``stage`` (a message for the user), or None."""
    if action not in TRANSITIONS:
        return "未知的操作。"
    if stage == "named":
        return "该评定已命名，不能再修改。"
    allowed, _ = TRANSITIONS[action]
    if stage not in allowed:
        where = "、".join(STAGE_NAMES[s] for s in allowed)
        return f"当前环节为“{STAGE_NAMES.get(stage, stage)}”，只有在“{where}”环节才能{ACTION_NAMES[action]}。"
    return None


def after_notice(stage: str, proposed_stars: int | None) -> str:
    """Where a rating goes when its 公示 ends: five-star candidates to the county re-check."""
    if stage == "review_notice" and proposed_stars == MODEL_SITE_STARS:
        return "recheck"
    return "to_name"
