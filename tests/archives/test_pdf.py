"""The ledger PDF checked with poppler's own tools: text, pages, fonts and page sizes of the file written.

``ledger_year`` (tests/archives/conftest.py) gives 东村党支部 a 2025 with known figures; 西村党支部
has a member and nothing else, so its chapters are empty.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archives import ledger_data as data
from archives import pdf
from meetings.models import Meeting, MeetingKind, Presence
from meetings.services.meetings import Mark, meeting_save
from members.models import DuesPayment
from tests.archives.conftest import NOW, YEAR, local
from tests.factories import make_member, make_org, make_term

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdffonts"))
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftotext, pdfinfo, pdffonts) is not installed: run `make setup`"
)
FOOTER = re.compile(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页")
RUNNING = f"· {YEAR}年度台账"


def _poppler(tool: str, *args) -> str:
    return subprocess.run(  # noqa: S603 — a fixed poppler tool on a file this test wrote
        [shutil.which(tool), *map(str, args)], capture_output=True, text=True, check=True
    ).stdout


def _pages(path) -> list[str]:
    """The text of each page (pdftotext ends each page with a form feed)."""
    return _poppler("pdftotext", "-layout", path, "-").split("\f")[:-1]


def _flat(text: str) -> str:
    """Text without the spaces pdftotext puts between spaced-out or tabulated characters."""
    return re.sub(r"\s", "", text)


def _sizes(path) -> list[tuple[float, float]]:
    info = _poppler("pdfinfo", "-f", 1, "-l", 9999, path)
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def _page_count(path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)$", _poppler("pdfinfo", path), re.M).group(1))


def _chapter(pages: list[str], number: int, title: str) -> int:
    """The index of the page where chapter ``number. title`` begins (not the contents' line)."""
    heading = re.compile(rf"^\s*{number}\. {title}\s*$", re.M)
    found = [i for i, text in enumerate(pages) if heading.search(text)]
    assert found, f"no chapter page for {title}"
    return found[0]


def _branch_pdf(org, tmp_path, year=YEAR, progress=None):
    out = tmp_path / f"{org.code}.pdf"
    pages = pdf.write_branch_pdf(data.branch_scope(org, year), out, progress=progress)
    return out, pages


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (None, data.MONEY, ""),
        (None, data.TEXT, ""),
        (Decimal("10"), data.MONEY, "10.00"),
        (Decimal("0"), data.MONEY, "0.00"),
        (Decimal("1234.5"), data.MONEY, "1234.50"),
        (Decimal("0.005"), data.MONEY, "0.01"),
        (dt.date(2025, 1, 2), data.DATE, "2025-01-02"),
        (dt.datetime(2025, 12, 31, 23, 5), data.DATETIME, "2025-12-31 23:05"),
        (dt.datetime(2025, 12, 31, 23, 5), data.DATE, "2025-12-31"),
        (2 / 3, data.PERCENT, "66.7%"),
        (1.0, data.PERCENT, "100.0%"),
        (0, data.PERCENT, "0.0%"),
        (Decimal("0.955"), data.PERCENT, "95.5%"),
        (Decimal("0.9545"), data.PERCENT, "95.5%"),  # half up, as a spreadsheet rounds
        (0, data.INT, "0"),
        ("=1+1", data.TEXT, "=1+1"),
    ],
)
def test_cells_print_as_the_ledger_shows_them(value, kind, text):
    assert pdf.cell_text(value, kind) == text


def test_a_css_string_cannot_leave_its_quotes_or_the_style_element():
    quoted = pdf.css_string('东村"党支部\\</style><b>')
    assert quoted.startswith('"') and quoted.endswith('"')
    inner = quoted[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner
    assert "东村" in inner and "党支部" in inner


def test_wide_sections_go_landscape_and_a_branch_book_leaves_out_its_own_name(ledger_year):
    tables = {t.title: t for t in pdf.branch_tables(data.branch_scope(ledger_year["branch"], YEAR))}
    assert list(tables) == data.SECTION_TITLES
    assert tables["党费收缴登记簿"].landscape and tables["三会一课"].landscape
    assert not tables["出勤明细"].landscape and not tables["星级评定"].landscape
    assert tables["概况"].vertical and not tables["概况"].landscape
    assert "党支部" not in tables["党费收缴登记簿"].headers  # every line is the same branch
    assert len(tables["党费收缴登记簿"].headers) == len(data.DUES_COLUMNS) - 1
    assert tables["党费收缴登记簿"].footer == [
        ["合计", "", "", *(["20.00"] * 6), *(["10.00"] * 6), "240.00", "180.00", "60.00"]
    ]
    assert sum(float(w) for w in tables["三会一课"].widths) == pytest.approx(100, abs=0.1)


# ---------------------------------------------------------------- one branch's book


@needs_poppler
def test_the_branch_book_has_cover_contents_every_chapter_and_numbered_pages(ledger_year, tmp_path):
    branch = ledger_year["branch"]
    calls = []
    out, written = _branch_pdf(branch, tmp_path, progress=lambda p, step: calls.append((p, step)))
    pages = _pages(out)
    total = _page_count(out)
    assert written == total == len(pages)
    text = "\n".join(pages)

    # The cover: name, year, title, the superior organisation; no header or page number on it.
    cover = pages[0]
    assert "东村党支部" in cover and f"{YEAR}年度" in _flat(cover) and "年度台账" in _flat(cover)
    assert "上级党组织镇党委" in _flat(cover) and "打印日期" in cover
    assert not FOOTER.search(cover) and RUNNING not in cover
    # Every other page: the running header and "第 x 页 共 N 页", x its own number.
    for number, page in enumerate(pages[1:], 2):
        assert f"东村党支部 {RUNNING}" in page, f"no running header on page {number}"
        assert FOOTER.search(page).groups() == (str(number), str(total)), f"footer of page {number}"

    # Contents: every section with the page it starts on.
    contents = pages[1]
    assert "目录" in _flat(contents)
    for number, title in enumerate(data.SECTION_TITLES, 1):
        line = re.search(rf"^\s*{number}\. {title}.*?(\d+)\s*$", contents, re.M)
        assert line, f"{title} is not in the contents"
        assert int(line.group(1)) == _chapter(pages, number, title) + 1, f"page number of {title}"

    # The figures of the year: members, meetings, dues with their totals, rating, rectification.
    for name in ("张三", "李四", "王五"):
        assert name in text
    assert "赵六" not in text and "周九" not in text  # left before the year; another branch
    assert "学习贯彻全会精神" in text and "年终党课" in text and "上一年的会" not in text
    assert "2025-12-31 23:00" in text and "出差" in text
    dues = pages[_chapter(pages, 5, "党费收缴登记簿")]
    total_line = next(line for line in dues.splitlines() if line.strip().startswith("合计"))
    assert total_line.split()[-3:] == ["240.00", "180.00", "60.00"]
    assert "县组〔2026〕1号" in text and "66.00" in text
    assert "-三会一课不经常" in text and "@每月按时召开" in text
    assert "支委会决定" in text and "转字001" in text
    assert "本年度无记录" not in text  # every chapter of this year has lines

    # Progress: reading, laying out, writing, within 5–95 and never going back.
    steps = [step for _, step in calls]
    assert "正在排版" in steps and "正在写入 PDF" in steps
    percents = [p for p, _ in calls]
    assert percents == sorted(percents) and all(5 <= p <= 95 for p in percents)


@needs_poppler
def test_fonts_are_embedded_noto_cjk_and_the_dues_register_is_landscape(ledger_year, tmp_path):
    out, _ = _branch_pdf(ledger_year["branch"], tmp_path)
    fonts = [line for line in _poppler("pdffonts", out).splitlines()[2:] if line.strip()]
    cjk = [line for line in fonts if re.search(r"Noto.*CJK", line)]
    assert cjk, fonts
    # name, type…, encoding, emb, sub, uni, object id: emb is the fifth field from the end
    assert all(line.split()[-5] == "yes" for line in fonts), fonts

    pages = _pages(out)
    sizes = _sizes(out)
    assert len(sizes) == len(pages)
    portrait = [w < h for w, h in sizes]
    assert portrait[0] and portrait[1]  # cover and contents
    for number, title in ((5, "党费收缴登记簿"), (3, "三会一课")):
        assert not portrait[_chapter(pages, number, title)], f"{title} is not on a landscape page"
    for number, title in ((4, "出勤明细"), (8, "星级评定")):
        assert portrait[_chapter(pages, number, title)], f"{title} is not on a portrait page"
    for w, h in sizes:  # A4 either way round
        assert sorted((round(w), round(h))) == [595, 842]


@needs_poppler
def test_a_branch_without_meetings_says_there_is_no_record(tree, ledger_year, tmp_path):
    out, _ = _branch_pdf(tree["other_branch"], tmp_path)
    pages = _pages(out)
    for number, title in ((3, "三会一课"), (4, "出勤明细"), (5, "党费收缴登记簿")):
        assert "本年度无记录" in pages[_chapter(pages, number, title)], title
    roster = pages[_chapter(pages, 2, "党员花名册")]
    assert "周九" in roster and "本年度无记录" not in roster
    width, height = _sizes(out)[_chapter(pages, 5, "党费收缴登记簿")]
    assert width < height  # an empty register needs no landscape page
    assert re.search(r"3\. 三会一课\s*（无记录）", pages[1])
    assert "张三" not in "".join(pages)


@needs_poppler
def test_text_that_looks_like_markup_or_css_is_printed_as_written(tree, archive_defaults, tmp_path):
    branch = make_org(tree["town"], name='南村"党支部"</style>', code="C1B9", sector="village")
    make_term(branch)
    make_member(branch, name="吴十", work_unit="<b>吴家</b>&amp;")
    out, _ = _branch_pdf(branch, tmp_path)
    pages = _pages(out)
    assert f'南村"党支部"</style> {RUNNING}' in pages[1]  # the running header, from the CSS string
    assert "<b>吴家</b>&amp;" in pages[_chapter(pages, 2, "党员花名册")]


# ---------------------------------------------------------------- a subtree's summary


@needs_poppler
def test_the_summary_lists_every_branch_of_the_subtree(tree, ledger_year, tmp_path):
    out = tmp_path / "summary.pdf"
    written = pdf.write_summary_pdf(data.scope_for(tree["town"], YEAR), out)
    pages = _pages(out)
    assert written == _page_count(out) == len(pages)
    text = "\n".join(pages)
    cover = _flat(pages[0])
    assert (
        "镇党委" in cover
        and "年度台账汇总" in cover
        and "所辖党支部2个" in cover
        and "上级党组织县委组织部" in cover
    )
    for number, title in ((1, "概况"), (2, "星级评定"), (3, "各支部台账统计")):
        chapter = pages[_chapter(pages, number, title)]
        assert "东村党支部" in chapter and "西村党支部" in chapter, title
    assert "发电党支部" not in text  # the sibling committee's branch
    counts = pages[_chapter(pages, 3, "各支部台账统计")]
    east = next(line for line in counts.splitlines() if "东村党支部" in line).split()
    west = next(line for line in counts.splitlines() if "西村党支部" in line).split()
    # members in the year's roster, meetings held, attendance rows, present, dues due, dues paid
    held = Meeting.objects.counted().filter(branch=ledger_year["branch"], starts_at__year=YEAR)
    expected = sum(held.values_list("expected_count", flat=True))
    present = sum(held.values_list("present_count", flat=True))
    assert held.count() == 3 and present == expected - 2  # one on leave, one absent
    assert east[1:] == ["3", "3", str(expected), str(present), "240.00", "180.00"]
    assert west[1:] == ["1", "0", "0", "0", "0.00", "0.00"]
    assert next(line for line in counts.splitlines() if line.strip().startswith("合计")).split()[-2:] == [
        "240.00",
        "180.00",
    ]
    for page in pages[1:]:
        assert FOOTER.search(page).group(2) == str(len(pages))


def test_the_summary_reads_a_fixed_number_of_queries_whatever_the_branches(tree, ledger_year):
    def queries(org) -> int:
        scope = data.scope_for(org, YEAR)
        with CaptureQueriesContext(connection) as captured:
            pdf.summary_tables(scope)
        return len(captured)

    two = queries(tree["town"])
    for n in range(3):
        branch = make_org(tree["town"], name=f"新建{n}党支部", sector="village")
        make_term(branch)
        make_member(branch)
    assert len(data.scope_for(tree["town"], YEAR).branches) == 5
    assert queries(tree["town"]) == two
    assert queries(tree["county"]) == two


# ---------------------------------------------------------------- the figure the issue asks for


def _year_of_meetings(branch, members: int) -> int:
    """``members`` members and a year of 三会一课 (monthly 主题党日 and 党小组-free general meetings)."""
    people = [make_member(branch, name=f"成员{n:02d}") for n in range(members)]
    kinds = {k.code: k for k in MeetingKind.objects.all()}
    count = 0
    for month in range(1, 13):
        plan = [("theme_day", 5), ("general", 20)] + ([("lecture", 25)] if month % 3 == 0 else [])
        for code, day in plan:
            away = people[(month + day) % members]
            meeting_save(
                organisation=branch,
                kind=kinds[code],
                starts_at=local(YEAR, month, day, 15),
                attendance={away.pk: Mark(Presence.LEAVE, "外出务工")},
                submit=True,
                now=NOW,
                topic=f"{YEAR}年{month}月{kinds[code].name}：学习贯彻党的创新理论",
                place="党群服务中心",
                host="成员00",
                recorder="成员01",
                lecturer="成员00" if code == "lecture" else "",
            )
            count += 1
        DuesPayment.objects.bulk_create(
            DuesPayment(
                member=m,
                month=dt.date(YEAR, month, 1),
                amount_due=Decimal("5.00"),
                amount_paid=Decimal("5.00"),
                paid_on=dt.date(YEAR, month, 3),
            )
            for m in people
        )
    return count


@needs_poppler
@pytest.mark.skipif(not os.environ.get("LEDGER_PDF_BENCH"), reason="a timing run: set LEDGER_PDF_BENCH=1")
def test_timing_of_a_forty_member_branch_with_a_year_of_meetings(tree, archive_defaults, tmp_path):
    branch = make_org(tree["town"], name="四十人党支部", code="C1B40", sector="village")
    make_term(branch)
    meetings = _year_of_meetings(branch, 40)
    started = time.perf_counter()
    out, pages = _branch_pdf(branch, tmp_path)
    seconds = time.perf_counter() - started
    print(f"\n40 members, {meetings} meetings: {pages} pages, {seconds:.1f} s, {out.stat().st_size} bytes")
    assert pages == _page_count(out)
    assert seconds < 120
