"""The benchmark table: printed by the command and written, with its context, to ``docs/benchmarks.md``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from .rows import Row
from .stats import duration

COLUMNS = (
    "测量项",
    "次数",
    "中位数",
    "P95",
    "查询数",
    "原始 SQL 聚合（对照）",
    "目标",
    "达标",
    "说明",
)

DATA_LABELS = {
    "organisations": "组织",
    "branches": "支部",
    "committees": "党委/党总支",
    "party_members": "党员",
    "meetings": "会议",
    "attendance": "出勤记录",
    "dues": "党费记录",
    "compliance": "合规记录",
    "compliance_year": "其中本年度合规记录",
    "ratings": "星级评定",
}

METHOD = """\
## 测量方法

- **页面（服务器时间）**：在进程内用 Django 测试客户端（`django.test.Client`）请求，
  包含中间件、视图和模板渲染；每项先预热 1 次，再测 {runs} 次，取中位数与 95 百分位
  （最近秩法，即实测值之一）；查询数由 `CaptureQueriesContext` 统计（各次不一时显示范围）。
  设置与生产一致：DEBUG=0、模板缓存、静态文件清单。
- **保存会议**：以支部书记身份提交真实的“记录会议”表单（支部党员大会，出席 50 人，其余缺席），
  每次新建一次会议，并在数据库中核对保存的会议和出勤条数；保存后的合规刷新由 Celery 任务执行，
  单独计时（“会后合规刷新”）。测量结束后删除测试会议并重新计算该支部的合规记录。
- **原始 SQL 聚合（对照）**：看板改用汇总表（rollups）之前需要的聚合——对 `meetings_compliancerecord`
  按路径范围和年度筛选后，按下级组织路径前缀 `GROUP BY`（年度达标率）和按周期结束日 `GROUP BY`
  （月度趋势），不连接组织表、不渲染，即原始方案的下限。
- **年度台账**：`ledger_bench --measure` 在独立进程中导出党员数最接近 10,000 的下级组织的 .xlsx
  （峰值内存为该进程的 VmHWM），与 openpyxl 只写模式写入同样行的时间对比；
  并导出其中党员最多的支部的 PDF。各测 1 次。
- **HTTP 吞吐**：gunicorn（`config.wsgi`，2 个同步 worker，DEBUG=0）监听回环地址，登录一次取得会话，
  用 `wrk` 施加有界负载；“次数”为请求数，中位数/P95 为 wrk 统计的延迟（含排队），
  并统计非 2xx/3xx 响应与套接字错误。保存后的任务发往基准专用的 Redis 库（`BENCH_REDIS_URL`，
  默认 db 13），与生产中由其他机器的 worker 处理一样不占 web 进程，测后清除；没有 Redis 时在请求内同步执行。
- **目标**：来自 issue 8，只标 ✓/✗，未达标不会使基准失败。
"""


def queries(span: tuple[int, int] | None) -> str:
    if span is None:
        return "—"
    low, high = span
    return str(low) if low == high else f"{low}–{high}"


def verdict(row: Row) -> str:
    return {True: "✓", False: "✗", None: ""}[row.met]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: Iterable[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in rows:
        cells = (
            row.name,
            f"{row.runs:,}" if row.runs is not None else "—",
            duration(row.median_ms),
            duration(row.p95_ms),
            queries(row.queries),
            row.floor or "",
            row.target.label if row.target else "",
            verdict(row),
            row.note,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


@dataclass
class Context:
    """What the table was measured on."""

    when: dt.datetime
    machine: dict[str, str]
    root_name: str
    size: dict[str, int]
    runs: int
    debug: bool
    seeded: str = ""
    extra: list[str] = field(default_factory=list)


def _size_line(size: dict[str, int]) -> str:
    return "，".join(f"{DATA_LABELS.get(k, k)} {v:,}" for k, v in size.items())


def document(rows: list[Row], context: Context) -> str:
    m = context.machine
    missed = [row.name for row in rows if row.met is False]
    lines = [
        "# 性能基准（Benchmarks）",
        "",
        "由 `make bench`（`python manage.py bench`）生成，请勿手工修改；重新运行即覆盖本文件。",
        "",
        f"- 日期：{context.when:%Y-%m-%d %H:%M}（北京时间）",
        f"- 机器：{m['cpu']}，{m['cores']} 核，内存 {m['ram']}；{m['database']}；"
        f"Python {m['python']}，Django {m['django']}；{m['os']}",
        f"- 设置：DEBUG={'1（开发设置，数字偏慢）' if context.debug else '0（生产设置）'}",
        f"- 数据：{context.root_name}——{_size_line(context.size)}",
    ]
    if context.seeded:
        lines.append(f"- 造数：{context.seeded}")
    lines += [f"- {line}" for line in context.extra]
    lines += ["", table(rows), ""]
    if missed:
        lines += ["未达标：" + "；".join(missed), ""]
    else:
        lines += ["全部目标达标。", ""]
    lines.append(METHOD.format(runs=context.runs))
    return "\n".join(lines)
