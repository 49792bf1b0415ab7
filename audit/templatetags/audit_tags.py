"""``{% history_link kind obj organisation %}``: the 修改记录 button, for those who may read it."""

from django import template
from django.urls import reverse

from ..subjects import can_read_history

register = template.Library()


@register.inclusion_tag("audit/history_link.html", takes_context=True)
def history_link(context, kind, obj, organisation):
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = user is not None and can_read_history(user, organisation)
    return {"url": reverse("audit:history", args=[kind, obj.pk]) if allowed else None}
