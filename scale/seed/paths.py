"""The materialized path's steps, as ``branches.services`` numbers children (1, 2, … under a parent)."""

from branches.models import PATH_ALPHABET, PATH_STEP


def encode_step(number: int) -> str:
    """``number`` in PATH_STEP base-36 characters: 1 → ``0001``, 36 → ``0010``."""
    if not 0 < number < len(PATH_ALPHABET) ** PATH_STEP:
        raise ValueError(f"child number out of range: {number}")
    digits = []
    for _ in range(PATH_STEP):
        number, rem = divmod(number, len(PATH_ALPHABET))
        digits.append(PATH_ALPHABET[rem])
    return "".join(reversed(digits))
