"""Demo transfers: placeholder until that work lands."""


def seed(*, today) -> str:
    return ""
