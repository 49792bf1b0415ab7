"""The pure rules of star rating at their edges, with the default template's own numbers."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment import defaults, rules
from assessment.rules import ItemSpec

THRESHOLDS = {stars: D(floor) for stars, floor in defaults.THRESHOLDS.items()}


def card(scored: str, appraisal: str, *, penalty: str = "10") -> list[ItemSpec]:
    """Six dimensions; ``scored`` points of base items, ``appraisal`` of appraisal, a penalty that does not weigh."""
    per = D(scored) / 6
    items = [ItemSpec(d, "base", per) for d in rules.DIMENSIONS]
    items.append(ItemSpec("team", "appraisal", D(appraisal)))
    items.append(ItemSpec("team", "penalty", D(penalty)))
    return items


# --- weights -----------------------------------------------------------------------------------------


def test_the_default_template_is_valid():
    items = [ItemSpec(d, t, D(p)) for d, t, _title, p, *_ in defaults.ITEMS]
    assert rules.template_errors(items, THRESHOLDS, [m for _, m in defaults.VETOES]) == []


def test_appraisal_exactly_30_percent_is_accepted():
    assert rules.template_errors(card("70", "30"), THRESHOLDS) == []


def test_appraisal_30_01_percent_is_refused():
    # 69.99 + 30.01 = 100: appraisal 30.01 %, scored 69.99 %: both limits broken.
    errors = rules.template_errors(card("69.99", "30.01"), THRESHOLDS)
    assert any("评议项占总分30.01%" in e and "不得超过30%" in e for e in errors)
    assert any("不得低于70%" in e for e in errors)


def test_scored_exactly_70_percent_is_accepted_and_below_refused():
    assert rules.template_errors(card("700", "300"), THRESHOLDS) == []
    # 69.999 %: refused, though the message rounds the share to two places.
    errors = rules.template_errors(card("699.99", "300.01"), THRESHOLDS)
    assert any("基础项与加分项占总分" in e and "不得低于70%" in e for e in errors)
    errors = rules.template_errors(card("69", "31"), THRESHOLDS)
    assert "基础项与加分项占总分69.00%，不得低于70%。" in errors


def test_bonus_counts_with_base_and_penalties_do_not_weigh():
    items = card("60", "30", penalty="50") + [ItemSpec("role", "bonus", D("10"))]
    assert rules.template_errors(items, THRESHOLDS) == []


def test_a_missing_dimension_and_an_empty_template_are_refused():
    items = [i for i in card("70", "30") if i.dimension != "role"]
    assert any("缺少1个维度" in e for e in rules.template_errors(items, THRESHOLDS))
    assert rules.template_errors([], THRESHOLDS) == ["没有评定项目。"]


@pytest.mark.parametrize(
    "thresholds, message",
    [
        ({5: D(90), 4: D(80), 3: D(70), 2: D(60)}, "应为一星至五星各设一条分数线。"),
        ({5: D(90), 4: D(80), 3: D(70), 2: D(60), 1: D(10)}, "一星的分数线应为0。"),
        ({5: D(80), 4: D(80), 3: D(70), 2: D(60), 1: D(0)}, "5星的分数线应高于4星。"),
    ],
)
def test_threshold_errors(thresholds, message):
    assert message in rules.template_errors(card("70", "30"), thresholds)


def test_veto_caps_out_of_range_are_refused():
    assert "一票否决项的最高星级应在1至5之间。" in rules.template_errors(card("70", "30"), THRESHOLDS, [0])
    assert rules.template_errors(card("70", "30"), THRESHOLDS, [1, 5]) == []


# --- thresholds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, stars",
    [
        ("100", 5),
        ("90.00", 5),
        ("89.99", 4),
        ("80.00", 4),
        ("79.99", 3),
        ("70.00", 3),
        ("69.99", 2),
        ("60.00", 2),
        ("59.99", 1),
        ("0", 1),
    ],
)
def test_stars_at_the_thresholds(total, stars):
    assert rules.stars_for(D(total), THRESHOLDS) == stars


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_stars_never_fall_as_the_total_rises(total):
    assert rules.stars_for(total, THRESHOLDS) <= rules.stars_for(total + D("0.01"), THRESHOLDS)


# --- veto caps -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stars, caps, expected",
    [(5, [], 5), (5, [2], 2), (5, [3, 2], 2), (1, [3], 1), (4, [4], 4), (3, [5], 3)],
)
def test_veto_caps(stars, caps, expected):
    assert rules.capped_stars(stars, caps) == expected


# --- indicator points ------------------------------------------------------------------------------------

MEETINGS = {"direction": "higher", "bands": [[100, 12], [90, 10], [80, 8], [60, 5]]}
TERM = {"direction": "lower", "bands": [[0, 6], [90, 3]]}


@pytest.mark.parametrize(
    "value, points",
    [
        ("100", "12"),
        ("99.99", "10"),
        ("90", "10"),
        ("89.99", "8"),
        ("80", "8"),
        ("79.99", "5"),
        ("60", "5"),
        ("59.99", "0"),
        ("0", "0"),
    ],
)
def test_points_for_higher_bands_at_each_edge(value, points):
    assert rules.points_for(D(value), MEETINGS, D(12)) == D(points)


@pytest.mark.parametrize(
    "value, points", [("0", "6"), ("0.01", "3"), ("1", "3"), ("90", "3"), ("90.01", "0"), ("400", "0")]
)
def test_points_for_lower_bands_at_each_edge(value, points):
    assert rules.points_for(D(value), TERM, D(6)) == D(points)


def test_points_for_without_a_value_and_above_the_maximum():
    assert rules.points_for(None, MEETINGS, D(12)) is None
    assert rules.points_for(D(100), MEETINGS, D(10)) == D(10)
    assert rules.points_for(D(50), {"bands": []}, D(10)) == D(0)


# --- the total -------------------------------------------------------------------------------------------


def test_total_adds_and_subtracts_and_skips_missing_scores():
    scores = [
        ("base", D("50")),
        ("bonus", D("5")),
        ("appraisal", D("18.5")),
        ("penalty", D("10")),
        ("base", None),
    ]
    assert rules.total(scores) == D("63.50")


def test_total_with_penalties_never_falls_below_zero():
    assert rules.total([("base", D("5")), ("penalty", D("10"))]) == D("0.00")
    assert rules.total([("penalty", D("10"))]) == D("0.00")
    assert rules.total([("base", D("10")), ("penalty", D("10"))]) == D("0.00")


@given(
    st.lists(
        st.tuples(st.sampled_from(["base", "bonus", "penalty", "appraisal"]), st.decimals(0, 20, places=2))
    )
)
def test_total_is_never_negative(scores):
    assert rules.total(scores) >= 0


# --- the state machine -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, stage",
    [
        ("submit", "self"),
        ("return", "review"),
        ("publish", "review"),
        ("close_notice", "review_notice"),
        ("close_notice", "final_notice"),
        ("recheck", "recheck"),
        ("name", "to_name"),
    ],
)
def test_legal_transitions(action, stage):
    assert rules.transition_error(action, stage) is None


@pytest.mark.parametrize(
    "action, stage, message",
    [
        ("publish", "self", "当前环节为“支部自评”，只有在“党委考评”环节才能考评结果公示。"),
        ("name", "review", "当前环节为“党委考评”，只有在“待命名”环节才能统一命名。"),
        ("return", "named", "该评定已命名，不能再修改。"),
        ("submit", "review", "当前环节为“党委考评”，只有在“支部自评”环节才能提交自评。"),
        ("fly", "self", "未知的操作。"),
    ],
)
def test_illegal_transitions(action, stage, message):
    assert rules.transition_error(action, stage) == message


@pytest.mark.parametrize(
    "stage, stars, after",
    [("review_notice", 5, "recheck"), ("review_notice", 4, "to_name"), ("final_notice", 5, "to_name")],
)
def test_after_notice(stage, stars, after):
    assert rules.after_notice(stage, stars) == after
