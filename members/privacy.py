"""Masking of personal data (DOMAIN §8): ID and phone numbers outside the member's own scope."""


def mask_id_number(value: str) -> str:
    """First 6 and last 4 visible: 110105********123X."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """First 3 and last 4 visible: 138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
