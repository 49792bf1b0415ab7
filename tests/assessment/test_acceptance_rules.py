"""达标验收's pure figures: the 5 % sample size at its edges, the reproducible draw, the year's policy."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment import rules
from assessment.models import AcceptancePolicy
from assessment.services.acceptance import policy_for

FIVE = Decimal("0.050")


@pytest.mark.parametrize(
    ("population", "expected"),
    [(0, 0), (1, 1), (19, 1), (20, 1), (21, 2), (40, 2), (41, 3), (100, 5), (101, 6)],
)
def test_sample_size_at_five_percent(population, expected):
    assert rules.sample_size(population, FIVE) == expected


def test_sample_size_never_exceeds_population():
    assert rules.sample_size(3, Decimal("1.000")) == 3
    assert rules.sample_size(3, Decimal("0.999")) == 3


def test_same_seed_same_sample():
    ids = list(range(1, 101))
    first = rules.draw_sample(ids, FIVE, 123456789)
    assert first == rules.draw_sample(list(reversed(ids)), FIVE, 123456789)
    assert len(first) == 5
    assert set(first) <= set(ids)


def test_other_seed_usually_other_sample():
    ids = list(range(1, 201))
    samples = {tuple(rules.draw_sample(ids, FIVE, seed)) for seed in range(20)}
    assert len(samples) > 1


@given(st.sets(st.integers(1, 10**6), max_size=300), st.integers(0, 2**48))
def test_draw_is_a_subset_of_the_right_size(ids, seed):
    picked = rules.draw_sample(ids, FIVE, seed)
    assert len(picked) == rules.sample_size(len(ids), FIVE)
    assert set(picked) <= ids
    assert picked == rules.draw_sample(ids, FIVE, seed)


@pytest.mark.django_db
def test_policy_for_year_then_earlier_then_defaults():
    AcceptancePolicy.objects.all().delete()
    assert policy_for(2026).spot_check_ratio == Decimal("0.050")
    assert policy_for(2026).target_share == Decimal("0.900")
    AcceptancePolicy.objects.create(
        year=2024, spot_check_ratio=Decimal("0.100"), target_share=Decimal("0.800")
    )
    AcceptancePolicy.objects.create(year=2026, spot_check_ratio=Decimal("0.020"))
    assert policy_for(2025).spot_check_ratio == Decimal("0.100")  # the latest earlier year
    assert policy_for(2025).target_share == Decimal("0.800")
    assert policy_for(2026).spot_check_ratio == Decimal("0.020")
    assert policy_for(2023).spot_check_ratio == Decimal("0.050")  # nothing earlier: the defaults
    assert policy_for(2023).pk is None
