"""Every write the portal's pages make to an audited record leaves its history (issue 9, audit trail).

For each URL and each role allowed to POST to it (in scope, with the case's data), the POST runs in a
savepoint and then, for every audited model (the ones with django-simple-history), each row it created
or changed must have as its newest history row exactly the values it now holds, recorded as that
user's; each row it deleted must have a "-" row. A write path that bypasses the history (a ``QuerySet.update`` or a
``bulk_create`` without ``branches.audit``) fails here with the model and the fields that differ.
"""

import pytest
from django.apps import apps
from django.db import transaction

from .cases import BY_NAME, CASES
from .harness import url_for

AUDITED = [m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")]
WRITES = [
    (case.name, role)
    for case in CASES
    if case.post and not case.public
    for role in sorted(case.post)
    if role != "anonymous"
]


def tracked(model) -> list[str]:
    return [f.attname for f in model.history.model.tracked_fields]


def state(model) -> dict:
    """Each row's tracked values, by primary key."""
    names = tracked(model)
    key = names.index("id")
    return {row[key]: row for row in model._base_manager.values_list(*names)}


def newest(model, pk):
    return model.history.filter(id=pk).order_by("-history_id").first()


def gaps(before: dict, user) -> list[str]:
    problems = []
    for model in AUDITED:
        names = tracked(model)
        now, old = state(model), before[model]
        for pk, row in now.items():
            if old.get(pk) == row:
                continue
            last = newest(model, pk)
            if last is None:
                problems.append(f"{model.__name__} {pk}: written, no history")
                continue
            recorded = tuple(getattr(last, name) for name in names)
            if recorded != row:
                fields = [n for n, a, b in zip(names, recorded, row, strict=True) if a != b]
                problems.append(f"{model.__name__} {pk}: history differs in {fields}")
            elif last.history_user_id != user.pk:
                problems.append(f"{model.__name__} {pk}: recorded as user {last.history_user_id}, not {user}")
        for pk in old.keys() - now.keys():
            last = newest(model, pk)
            if last is None or last.history_type != "-":
                problems.append(f"{model.__name__} {pk}: deleted without a history row")
    return problems


def test_the_audited_models_are_the_ten_of_the_issue_and_scores():
    assert sorted(m.__name__ for m in AUDITED) == [
        "Attendance",
        "DuesPayment",
        "Grant",
        "Meeting",
        "Member",
        "Organisation",
        "Rating",
        "RectificationItem",
        "Resolution",
        "Score",
        "Term",
    ]


def test_the_writes_are_many():
    assert len(WRITES) > 100 and len({name for name, _ in WRITES}) > 60


@pytest.mark.parametrize(("name", "role"), WRITES)
def test_a_write_through_a_page_is_in_the_history(name, role, world, clients):
    case = BY_NAME[name]
    with transaction.atomic():
        before = {model: state(model) for model in AUDITED}
        clients[role].post(url_for(case, world, "in"), case.data(world.side("in")) if case.data else {})
        problems = gaps(before, world.users[role])
        transaction.set_rollback(True)
    assert not problems, "\n".join(problems)
