from django import template

register = template.Library()


@register.filter
def absolute(value):
    """|absolute: the number without its sign (days overdue from a negative countdown)."""
    try:
        return abs(value)
    except TypeError:
        return value
