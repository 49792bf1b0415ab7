"""The load test's table: printed by ``manage.py load`` and written, with its context, to docs/load.md."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from scale.bench.stats import duration, median, percentile

from .clients import KINDS, TIMEOUT
from .run import Result

COLUMNS = ("请求", "次数", "请求/秒", "P50", "P95", "最大", "错误")


@dataclass
class Check:
    """The saves answered with a redirect to the new meeting, against the meetings in the database."""

    redirected: int  # 302 answers to the meeting POST that lead to a meeting page
    in_database: int  # meetings of the load topic created in the run's branches during the run
    missing: list[int] = field(default_factory=list)  # redirected to, but not in the database

    @property
    def equal(self) -> bool:
        return self.redirected == self.in_database and not self.missing


@dataclass
class Context:
    when: dt.datetime
    machine: dict[str, str]
    size: dict[str, int]
    root_name: str
    workers: int
    broker: str
    seeded: str = ""


def _row(name: str, samples, seconds: float) -> list[str]:
    times = [s.ms for s in samples]
    errors = sum(1 for s in samples if not s.ok)
    if not times:
        return [name, "0", "0", "—", "—", "—", str(errors)]
    return [
        name,
        str(len(times)),
        f"{len(times) / seconds:.1f}",
        duration(median(times)),
        duration(percentile(times, 95)),
        duration(max(times)),
        str(errors),
    ]


def table(result: Result) -> str:
    seconds = max(result.seconds, 1e-9)
    rows = [_row(kind, [s for s in result.samples if s.kind == kind], seconds) for kind in KINDS]
    rows.append(_row("合计", result.samples, seconds))
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def errors_text(result: Result) -> str:
    if result.failures:
        return "登录失败：" + "；".join(result.failures)
    kinds = Counter(f"{s.kind}：{s.error}" for s in result.errors)
    if not kinds:
        return "无（非 2xx/3xx 响应、异常、超时、未保存的表单均为 0）"
    return "；".join(f"{what} × {n}" for what, n in kinds.most_common())


def check_text(check: Check) -> str:
    verdict = "一致 ✓" if check.equal else "不一致 ✗"
    text = (
        f"保存请求得到跳转到新会议页的 302 共 {check.redirected} 次；"
        f"数据库中本次新增会议 {check.in_database} 次：{verdict}"
    )
    if check.missing:
        text += f"；跳转到但数据库中没有的会议 {len(check.missing)} 次（{check.missing[:10]}）"
    return text


def document(result: Result, check: Check, context: Context) -> str:
    machine = context.machine
    size = context.size
    return f"""# 有界负载测试（issue 9）

由 `make load`（`python manage.py load`）生成，请勿手工编辑。

- **时间**：{context.when:%Y-%m-%d %H:%M %Z}
- **机器**：{machine["cpu"]}，{machine["cores"]} 核，内存 {machine["ram"]}；{machine["database"]}；
  Python {machine["python"]}，Django {machine["django"]}；{machine["os"]}
- **数据**：{context.root_name}：组织 {size["organisations"]:,}，支部 {size["branches"]:,}，
  党员 {size["party_members"]:,}，会议 {size["meetings"]:,}，合规记录 {size["compliance"]:,}{_seeded(context)}
- **服务器**：gunicorn `config.wsgi`，{context.workers} 个同步 worker，DEBUG=0，回环地址 127.0.0.1；
  保存后的合规刷新任务{context.broker}
- **负载**：{result.secretaries} 名支部书记（各在自己的支部，每个支部至少 10 名党员）反复打开“记录会议”
  （支部党员大会）表单并保存一次会议（全体出席）；{result.reviewers} 名审核人反复打开本级考核看板；
  持续 {result.seconds:.1f} 秒。每人先通过登录表单（含 CSRF）登录，登录不计入；
  每人收到响应后立即发下一个请求（闭环、无思考时间），所以延迟包含在 gunicorn 中排队的时间。

{table(result)}
- **错误**：{errors_text(result)}
- **会议核对**：{check_text(check)}

## 测量方法

- 每个模拟用户一个线程（标准库 `http.client`，每人自己的 Cookie），每个请求从建立连接计时到读完响应。
- P50/P95 为最近秩百分位（实测值之一）；“请求/秒”为次数除以负载时长。
- 错误包括：非 2xx/3xx 响应、连接异常、超时（{TIMEOUT} 秒）、保存请求没有跳转到新会议页（表单重现即未保存）。
- 会议核对：统计保存请求中跳转到 `/meetings/<id>/` 的 302 响应，在 gunicorn 停止后与数据库中
  本次负载的支部、负载专用主题、负载开始后创建的会议条数比较，并确认每个跳转到的会议都在数据库中。
  核对后删除这些测试会议并重新计算这些支部的合规记录，下一次运行面对同样的数据。
"""


def _seeded(context: Context) -> str:
    return f"（本次先造数：{context.seeded}）" if context.seeded else ""
