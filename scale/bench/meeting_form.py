"""The POST of "记录会议" as a browser sends it, built from the form page itself.

Both the in-process bench and the HTTP load read the members from the rendered form (the
``a-<pk>`` radio buttons) rather than from the database, so the payload is what the page asks for.
"""

from __future__ import annotations

import datetime as dt
import re

from meetings.models import Presence

KIND = "general"  # 支部党员大会: every party member of the branch is expected
TOPIC = "性能测试：学习贯彻党的创新理论"
ATTENDEES = 50

_MEMBER = re.compile(r'name="a-(\d+)"')
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def member_ids(html: str) -> list[int]:
    """The members of the attendance list, in the page's order (three radio buttons each)."""
    return list(dict.fromkeys(int(pk) for pk in _MEMBER.findall(html)))


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    if found is None:
        raise ValueError("页面中没有 CSRF 令牌")
    return found.group(1)


def payload(html: str, *, day: dt.date, attendees: int = ATTENDEES) -> dict[str, str]:
    """A draft meeting on ``day``: the first ``attendees`` members present, the others absent."""
    members = member_ids(html)
    if not members:
        raise ValueError("会议表单中没有应到党员")
    data = {
        "day": day.isoformat(),
        "roster_day": day.isoformat(),
        "starts_at": "09:00",
        "ends_at": "10:30",
        "topic": TOPIC,
        "place": "党员活动室",
        "host": "支部书记",
        "recorder": "组织委员",
        "agenda": "一、集中学习；二、交流发言；三、部署下阶段工作。",
        "minutes": "会议由支部书记主持，全体党员认真学习，结合工作实际交流体会。",
    }
    for n, pk in enumerate(members):
        data[f"a-{pk}"] = (Presence.PRESENT if n < attendees else Presence.ABSENT).value
    return data
