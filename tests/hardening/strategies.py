"""Hostile form values for the hardening tests: what a careless paste, a script or an attacker sends.

Every strategy yields strings, because that is all a POST can carry; the forms must turn each one
into a clean value or a form error. Lone surrogates are left out: they cannot be encoded in a
request at all, so no browser can send them.
"""

from hypothesis import strategies as st

# Text no honest user types but every form meets sooner or later.
HOSTILE_TEXT = [
    "",
    " ",
    "\t \n\u3000",
    "\x00",
    "张\x00三",
    "\x01\x02\x07\x08\x1b[31m\x7f",
    "\r\n\r\n",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% debug %}",
    "'; DROP TABLE members_member; --",
    '=HYPERLINK("http://x","点我")',
    "😀👨‍👩‍👧‍👦🇨🇳",
    "\u202eRTL\u200b\ufeff",
    "Ｚｈａｎｇ　三",
    "../../etc/passwd",
]

_chars = st.characters(exclude_categories=("Cs",))


def hostile_text() -> st.SearchStrategy[str]:
    """A listed nasty string, random unicode (control characters included), or a very long run."""
    long_run = st.builds(
        lambda c, n: c * n, st.sampled_from(["x", "字", "😀", "\x00", " "]), st.integers(51, 70000)
    )
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(_chars, max_size=40),
        long_run,
        st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE_TEXT), st.text(_chars, max_size=10)),
    )


HOSTILE_DATES = [
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "1899-12-31",
    "２０２６-０１-０１",
    "2026/01/01",
    "01/02/2026",
    "2026-01-01T00:00:00",
    "2026-01-01\x00",
    "-2026-01-01",
    "99999-01-01",
]


def hostile_date() -> st.SearchStrategy[str]:
    """Out-of-range and impossible days, other formats, garbage, or any real day of any year."""
    return st.one_of(
        st.sampled_from(HOSTILE_DATES),
        st.dates().map(lambda d: d.isoformat()),
        hostile_text(),
    )


HOSTILE_NUMBERS = [
    "-1",
    "0",
    "-0",
    "1e9",
    "1e999",
    "99999999999999999999999999",
    "NaN",
    "Infinity",
    "-Infinity",
    "0.001",
    "1.005",
    "１２",
    "0x10",
    "1_000",
    " 7 ",
    "3,50",
]


def hostile_number() -> st.SearchStrategy[str]:
    """Negative, huge, non-finite, too precise, full-width, or not a number at all."""
    return st.one_of(
        st.sampled_from(HOSTILE_NUMBERS),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        hostile_text(),
    )


def hostile_time() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["25:00", "23:60", "-1:00", "24:00", "09:00:00.999999", "9", "noon"]),
        st.times().map(lambda t: t.isoformat()),
        hostile_text(),
    )


def overrides(fields: dict[str, st.SearchStrategy[str]], max_size: int = 3) -> st.SearchStrategy[dict]:
    """A few fields of an otherwise valid POST replaced by hostile values (one at a time is most telling)."""
    return st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=max_size, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({name: fields[name] for name in names})
    )
