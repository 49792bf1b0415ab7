"""Every named URL × role × scope, by POST: a refused write answers 404/405 (the anonymous user: the login
page) and changes nothing — every table's row count and checksum are the same after it.

The admin's POST with the same data does write (``Case.changes``): the refusal, not a form error,
is what kept the database as it was.
"""

import pytest

from .cases import BY_NAME, CASES
from .harness import ask, combos, expected, is_refusal, judge, snapshot, url_for


def post_failures(case, world, clients) -> list[str]:
    """The (role, scope) pairs whose POST answers otherwise than expected or writes when refused."""
    failures = []
    before = snapshot()
    for role, scope in combos(case):
        if (role, scope, "post") in case.bugs:
            continue  # asserted by test_known_bugs
        url = url_for(case, world, scope)
        side = world.side(scope)
        refused = is_refusal(case, role, scope, "post")
        proves = case.changes and role == "admin" and scope == "in"
        answer = ask(
            clients[role],
            "post",
            url,
            data=case.data(side) if case.data else None,
            before=before if refused or proves else None,
        )
        want = expected(case, role, scope, "post")
        where = f"POST {url} as {role} ({scope} scope)"
        failures += judge(case, role, answer, want, where, refused=refused)
        if proves and not answer.changed:
            failures.append(f"{where}: the allowed POST changed nothing; the refusals above prove nothing")
        if refused and case.data and (role, scope, "post-empty") not in case.bugs:
            # The refusal comes before the form: an empty POST is refused alike, not answered with its errors.
            answer = ask(clients[role], "post", url, before=before)
            failures += judge(case, role, answer, want, f"{where} with no data", refused=True)
    return failures


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_post(name, world, clients):
    failures = post_failures(BY_NAME[name], world, clients)
    assert not failures, "\n".join(failures)
