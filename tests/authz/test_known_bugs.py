"""The combinations the views answer wrongly today (Case.bugs), each a strict xfail: it passes once fixed,
and then fails until its entry leaves cases.py."""

import pytest

from .cases import BY_NAME, CASES
from .harness import ask, expected, judge, snapshot, url_for

KNOWN_BUGS = [
    pytest.param(
        case.name, key, id=f"{case.name}-{'-'.join(key)}", marks=pytest.mark.xfail(strict=True, reason=why)
    )
    for case in CASES
    for key, why in case.bugs.items()
]


@pytest.mark.parametrize(("name", "key"), KNOWN_BUGS)
def test_known_bug(name, key, world, clients):
    """What the matrix asks of the combination: the rule's answer, and for a refused POST no write."""
    case = BY_NAME[name]
    role, scope, method = key
    url = url_for(case, world, scope)
    verb = "get" if method == "get" else "post"
    data = case.data(world.side(scope)) if case.data and method == "post" else None
    answer = ask(clients[role], verb, url, data=data, before=snapshot() if verb == "post" else None)
    want = expected(case, role, scope, verb)
    failures = judge(
        case, role, answer, want, f"{verb.upper()} {url} as {role} ({scope} scope)", refused=verb == "post"
    )
    assert not failures, "\n".join(failures)
