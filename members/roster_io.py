"""Roster spreadsheets (党员花名册 .xlsx): columns, cell parsing and normalising, reading and writing.

Pure: plain values in, plain values out, no ORM. The import service decides what a
row means for the database; this module only turns what offices type into Excel
(全角数字, stray spaces, 2020年1月2日, 男/女, 正式党员…) into clean values, and back.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import idcard, rules
from .models import DuesCategory, Education, Gender, Stage

# --- Columns ------------------------------------------------------------------------------

TEXT, NAME, ID, PHONE, DATE, CHOICE, BOOL, ETHNICITY, GROUP = (
    "text",
    "name",
    "id",
    "phone",
    "date",
    "choice",
    "bool",
    "ethnicity",
    "group",
)


def _choices(enum, **synonyms: tuple[str, ...]) -> dict[str, str]:
    """Label → value, plus the other words offices use for the same value."""
    table = {label: value for value, label in enum.choices}
    for value, words in synonyms.items():
        for word in words:
            table[word] = value
    return table


GENDERS = _choices(Gender, male=("男性", "男士"), female=("女性", "女士"))
EDUCATIONS = _choices(
    Education,
    postgraduate=("研究生及以上", "博士研究生", "硕士研究生", "博士", "硕士", "研究生学历"),
    bachelor=("本科", "大学", "本科学历", "大学本科学历"),
    college=("大专", "专科", "大学专科学历", "高职", "高职高专"),
    secondary=("中专", "中技", "技校", "中等专科", "中职", "中专学历"),
    high_school=("高中", "职高", "高中学历", "普通高中"),
    junior=("初中", "小学", "初中学历", "小学及以下", "文盲", "半文盲"),
)
DUES_CATEGORIES = _choices(
    DuesCategory,
    employed=("在职人员", "在职职工", "在职党员"),
    retired=("离休", "退休", "离退休人员", "退休人员", "离退休党员", "退休党员"),
    farmer=("农民党员", "农村党员"),
    student=("学生党员", "在校学生"),
    unemployed=("下岗", "失业", "失业人员", "下岗失业人员", "下岗职工"),
    subsistence=("享受低保", "低保对象", "低保户", "低保人员"),
)
STAGES = _choices(
    Stage,
    full=("正式", "中共党员", "党员"),
    probationary=("预备", "中共预备党员"),
    activist=("积极分子",),
    applicant=("申请人", "申请入党人"),
)
BOOLEANS = {"是": True, "否": False, "Y": True, "N": False, "√": True, "×": False, "1": True, "0": False}
YES, NO = "是", "否"

# The 56 nationalities (中华人民共和国民族), as the ID-card office writes them.
# fmt: off
ETHNICITIES = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族",
    "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)
# fmt: on


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # as the template writes it
    kind: str
    synonyms: tuple[str, ...] = ()
    choices: dict[str, str] | None = None
    width: int = 14
    note: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", NAME, ("党员姓名", "名字"), width=10, note="必填"),
    Column("gender", "性别", CHOICE, ("性 别",), GENDERS, width=6, note="男/女；不填则按身份证号"),
    Column("ethnicity", "民族", ETHNICITY, ("族别",), width=8, note="如：汉族；不填默认汉族"),
    Column("birth_date", "出生日期", DATE, ("出生年月日", "生日"), width=12, note="不填则按身份证号"),
    Column(
        "id_number",
        "身份证号",
        ID,
        (
            "公民身份号码",
            "居民身份证号",
            "居民身份证号码",
            "身份证号码",
            "身份证",
            "公民身份证号",
            "公民身份证号码",
            "身份证件号码",
            "证件号码",
        ),
        width=21,
        note="18位，单元格须为文本格式",
    ),
    Column("education", "学历", CHOICE, ("文化程度", "最高学历", "学历层次"), EDUCATIONS, width=10),
    Column(
        "phone",
        "联系电话",
        PHONE,
        ("手机", "手机号", "手机号码", "电话", "电话号码", "联系方式", "移动电话"),
        width=14,
    ),
    Column("work_unit", "工作单位", TEXT, ("单位", "工作单位名称", "所在单位"), width=20),
    Column("post", "职务/岗位", TEXT, ("职务", "岗位", "职务岗位", "工作岗位", "现任职务", "职务或岗位")),
    Column(
        "dues_category",
        "党费类别",
        CHOICE,
        ("党费交纳类别", "交纳党费类别", "人员类别", "身份类别"),
        DUES_CATEGORIES,
        width=10,
        note="不填默认在职",
    ),
    Column(
        "party_group",
        "党小组",
        GROUP,
        ("所在党小组", "党小组名称"),
        width=12,
        note="须为本支部已设立的党小组",
    ),
    Column(
        "stage",
        "发展阶段",
        CHOICE,
        ("人员类型", "政治面貌", "党员类型", "党员身份", "类别"),
        STAGES,
        width=12,
        note="不填默认正式党员",
    ),
    Column(
        "applied_on",
        "递交入党申请日期",
        DATE,
        ("入党申请日期", "申请入党日期", "递交入党申请书日期", "递交申请书日期", "递交入党申请书时间"),
    ),
    Column(
        "activist_on",
        "确定为积极分子日期",
        DATE,
        ("确定积极分子日期", "确定为入党积极分子日期", "确定入党积极分子日期", "列为积极分子日期"),
    ),
    Column("candidate_on", "确定为发展对象日期", DATE, ("确定发展对象日期", "列为发展对象日期")),
    Column(
        "admitted_on",
        "入党日期",
        DATE,
        ("入党时间", "接收预备党员日期", "接收为预备党员日期", "加入党组织日期"),
        width=12,
    ),
    Column(
        "admission_doc_no",
        "接收预备党员文号",
        TEXT,
        ("接收预备党员决议/批复文号", "接收预备党员批复文号", "入党批复文号"),
    ),
    Column("confirmed_on", "转正日期", DATE, ("转正时间", "转为正式党员日期"), width=12),
    Column("confirmation_doc_no", "转正文号", TEXT, ("转正决议/批复文号", "转正批复文号")),
    Column("is_mobile", "流动党员", BOOL, ("是否流动党员",), width=10, note="是/否"),
    Column("mobile_destination", "外出流向", TEXT, ("流向", "外出地点", "流入地")),
    Column("mobile_since", "外出日期", DATE, ("外出时间",), width=12),
    Column("last_report_on", "最近汇报日期", DATE, ("最近一次汇报日期", "最近汇报时间"), width=12),
    Column("is_lost", "失联党员", BOOL, ("是否失联", "是否失联党员"), width=10, note="是/否"),
    Column("lost_since", "失联日期", DATE, ("失联时间",), width=12),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
REQUIRED_FIELDS = ("name", "id_number")

ORG_HEADER = "所在支部"
ERROR_HEADER = "错误说明"
# Columns an office keeps beside the roster that the import reads past: serial numbers, notes,
# age (derived from the birth date), the branch column of our own export, our error column.
IGNORED_HEADERS = frozenset(
    {"序号", "编号", "备注", "说明", "年龄", ORG_HEADER, "所在党支部", "党组织", "所在党组织", ERROR_HEADER}
)

HEADER_SCAN_ROWS = 10
DATE_FORMAT = "yyyy-mm-dd"
DATE_HELP = "可填 2020-01-02、2020/1/2、2020年1月2日 或 2020.1.2"

# --- Normalising --------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# Full-width letters and digits to ASCII; free text keeps its Chinese punctuation （〔〕）as typed.
_FULL_WIDTH_ALNUM = str.maketrans(
    {
        chr(c): chr(c - 0xFEE0)
        for a, b in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
        for c in range(a, b + 1)
    }
)
_SPACES = re.compile(r"\s+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}·])\s+(?=[{_CJK}·])")
_MIDDLE_DOTS = str.maketrans(dict.fromkeys("•・‧∙．。", "·"))


def _text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).translate(_INVISIBLE)


def clean_text(value) -> str:
    """Free text: full-width letters and digits to ASCII, every run of spaces (incl. 全角空格) to one."""
    text = _text_of(value).translate(_FULL_WIDTH_ALNUM).replace("\u3000", " ").replace("\xa0", " ")
    return _SPACES.sub(" ", text).strip()


def clean_name(value) -> str:
    """A person's name: as free text, with no spaces between Chinese characters and one kind of 间隔号."""
    text = clean_text(value)
    if re.search(f"[{_CJK}]", text):
        text = _CJK_GAP.sub("", text.translate(_MIDDLE_DOTS))
    return text


def squeeze(value) -> str:
    """Structured values (codes, dates, choices): NFKC, no spaces at all."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", _text_of(value))).strip()


def header_key(value) -> str:
    """A header as matched: NFKC, no spaces, no required-marker asterisk, no bracketed note at the end."""
    text = squeeze(value).replace("*", "").replace("※", "")
    return re.sub(r"[(\[【][^()\[\]【】]*[)\]】]$", "", text).lower()


_HEADER_INDEX: dict[str, Column] = {}
for _column in COLUMNS:
    for _word in (_column.header, *_column.synonyms):
        _HEADER_INDEX[header_key(_word)] = _column
_IGNORED_KEYS = frozenset(header_key(h) for h in IGNORED_HEADERS)


def match_header(text) -> Column | None:
    return _HEADER_INDEX.get(header_key(text))


# --- Cells --------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell's value that cannot be read; the message is shown to the user as it is."""


_TIME_OF_DAY = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2})?$")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(value) -> dt.date | None:
    """An Excel date, or text as 2020-01-02, 2020/1/2, 2020年1月2日, 2020.1.2 (or 20200102)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or (isinstance(value, int | float) and not float(value).is_integer()):
        raise CellError(f"日期格式不正确（{DATE_HELP}）。")
    # A time of day after the date (2020-01-02 00:00:00, as text exports write it) is dropped.
    text = squeeze(_TIME_OF_DAY.sub("", unicodedata.normalize("NFKC", _text_of(value)).strip()))
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                raise CellError(f"日期“{text}”不存在。") from None
    raise CellError(f"日期格式不正确：“{text}”；{DATE_HELP}。")


def parse_choice(value, column: Column) -> str:
    text = squeeze(value)
    if not text:
        return ""
    found = column.choices.get(text)
    if found is None:
        allowed = "、".join(label for label in dict.fromkeys(_labels(column)))
        raise CellError(f"“{text}”不是可选的{column.header}，应为：{allowed}。")
    return found


def _labels(column: Column) -> list[str]:
    values = dict.fromkeys(column.choices.values())
    return [next(label for label, v in column.choices.items() if v == value) for value in values]


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = squeeze(value).upper()
    if not text:
        return False
    if text in BOOLEANS:
        return BOOLEANS[text]
    raise CellError(f"应填“是”或“否”，当前为“{text}”。")


_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d+", re.IGNORECASE)


def parse_id_number(value) -> str:
    """The ID number as text. A number cell has lost digits (Excel keeps 15) or its X: refused."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            "身份证号被 Excel 存成了数字，后几位或末位X已丢失；请把该列设为“文本”格式后重新填写该号码。"
        )
    text = squeeze(value)
    if _SCIENTIFIC.fullmatch(text):
        raise CellError("身份证号被 Excel 显示为科学计数法，号码已丢失；请把该列设为“文本”格式后重新填写。")
    return idcard.normalise(text)


def parse_phone(value) -> str:
    text = squeeze(value)
    if text and not rules.valid_phone(text):
        raise CellError(f"联系电话“{text}”格式不正确，应为11位手机号或带区号的固定电话。")
    return text


def parse_ethnicity(value) -> str:
    text = squeeze(value)
    if not text:
        return ""
    if text in ETHNICITIES:
        return text
    if text + "族" in ETHNICITIES:
        return text + "族"
    raise CellError(f"“{text}”不是56个民族之一，请填写如“汉族”“回族”。")


def parse_cell(column: Column, value):
    """The clean value of one cell; blank gives "" (text), None (date) or False (yes/no).

    Text starting with "=" is refused: kept, it would run as a formula in every export of the roster.
    """
    if isinstance(value, str) and value.lstrip().startswith("="):
        raise CellError(f"“{value.strip()[:30]}”以“=”开头，会被 Excel 当作公式：请删去“=”，或改为普通文字。")
    kind = column.kind
    if kind == DATE:
        return parse_date(value)
    if kind == CHOICE:
        return parse_choice(value, column)
    if kind == BOOL:
        return parse_bool(value)
    if kind == ID:
        return parse_id_number(value)
    if kind == PHONE:
        return parse_phone(value)
    if kind == ETHNICITY:
        return parse_ethnicity(value)
    if kind == NAME:
        return clean_name(value)
    return clean_text(value)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(column: Column, value) -> str:
    """A clean value as the spreadsheet and the preview write it."""
    if value is None or value == "":
        return ""
    if column.kind == DATE:
        return f"{value:%Y-%m-%d}"
    if column.kind == BOOL:
        return YES if value else NO
    if column.kind == CHOICE:
        return next((label for label, v in column.choices.items() if v == value), str(value))
    return str(value)


# --- Reading ------------------------------------------------------------------------------


class RosterFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


UNREADABLE = (
    "文件无法读取：可能已损坏、已加密，或不是 Excel 工作簿（.xlsx）。请在 Excel 中另存为 .xlsx 后重新上传。"
)


@dataclass(frozen=True)
class Issue:
    """One problem to show: the spreadsheet row, its column letter and header, the message."""

    row: int
    column: str
    header: str
    message: str

    def as_list(self) -> list:
        return [self.row, self.column, self.header, self.message]


@dataclass
class Layout:
    sheet: str
    header_row: int
    columns: dict[int, Column]  # 0-based column index → column
    headers: dict[int, str]  # 0-based column index → header as written
    issues: list[Issue] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every required column is there (otherwise the rows are not read)."""
        return all(self.index_of(name) is not None for name in REQUIRED_FIELDS)

    def index_of(self, field_name: str) -> int | None:
        return next((i for i, c in self.columns.items() if c.field == field_name), None)

    def letter(self, index: int | None) -> str:
        return get_column_letter(index + 1) if index is not None else ""


def _read_layout(sheet_title: str, row_no: int, values: tuple) -> Layout:
    layout = Layout(sheet=sheet_title, header_row=row_no, columns={}, headers={})
    for index, value in enumerate(values):
        if is_blank(value):
            continue
        text = clean_text(value)
        layout.headers[index] = text
        column = match_header(text)
        letter = get_column_letter(index + 1)
        if column is None:
            if header_key(text) not in _IGNORED_KEYS:
                layout.issues.append(
                    Issue(row_no, letter, text, f"无法识别的列名“{text}”：请改用模板中的列名，或删除该列。")
                )
            continue
        previous = layout.index_of(column.field)
        if previous is not None:
            layout.issues.append(
                Issue(
                    row_no,
                    letter,
                    text,
                    f"“{text}”与第{layout.letter(previous)}列“{layout.headers[previous]}”是同一项，只能保留一列。",
                )
            )
            continue
        layout.columns[index] = column
    for name in REQUIRED_FIELDS:
        if layout.index_of(name) is None:
            layout.issues.append(Issue(row_no, "", "", f"缺少必需的列“{COLUMN_BY_FIELD[name].header}”。"))
    return layout


def _header_score(values: tuple) -> int:
    return sum(1 for v in values if not is_blank(v) and match_header(clean_text(v)) is not None)


class RosterReader:
    """Reads an uploaded roster: finds the header row (a title row above it is fine), then yields rows.

    ``with RosterReader(file) as reader: reader.layout, reader.rows()`` — the rows are
    ``(spreadsheet row number, values)`` with empty rows skipped.
    """

    def __init__(self, file):
        self._file = file
        self._workbook = None
        self._sheet = None
        self._header_row = 0
        self.layout: Layout | None = None

    def __enter__(self) -> RosterReader:
        try:
            self._workbook = load_workbook(self._file, read_only=True, data_only=True)
            self._find_header()
        except RosterFileError:
            self.close()
            raise
        except Exception:  # noqa: BLE001 - a broken upload raises anything from zipfile to lxml
            self.close()
            raise RosterFileError(UNREADABLE) from None
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def _find_header(self) -> None:
        # Only what the user sees: a hidden sheet (an old list, a lookup table) is never read.
        for sheet in self._workbook.worksheets:
            if sheet.sheet_state != "visible":
                continue
            rows = sheet.iter_rows(values_only=True)
            best = None
            for row_no, values in enumerate(rows, start=1):
                score = _header_score(values)
                if score >= 2 and (best is None or score > best[0]):
                    best = (score, row_no, values)
                if row_no >= HEADER_SCAN_ROWS:
                    break
            if best is None:
                continue
            _, header_row, values = best
            self.layout = _read_layout(sheet.title, header_row, values)
            self._sheet = sheet
            self._header_row = header_row
            self.layout.issues[:0] = self._merged_header_issues()
            return
        raise RosterFileError(
            f"没有找到表头：工作表的前{HEADER_SCAN_ROWS}行中应有“姓名”“身份证号”等列名。请使用下载的模板填写。"
        )

    def _merged_header_issues(self) -> list[Issue]:
        """A header cell merged over several columns leaves the others without a header: say which.

        Read-only sheets do not load ``<mergeCells>`` (it follows the rows): the sheet's XML is
        scanned for it, in chunks, as ``estimated_rows`` counts rows.
        """
        pattern = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
        issues, tail = [], b""
        with self._workbook._archive.open(self._sheet._worksheet_path) as xml:
            while chunk := xml.read(1 << 20):
                data = tail + chunk
                for match in pattern.finditer(data):
                    first, last = match.group(1).decode(), match.group(3).decode()
                    top, bottom = int(match.group(2)), int(match.group(4))
                    if first == last or not top <= self._header_row <= bottom:
                        continue
                    text = self.layout.headers.get(column_index_from_string(first) - 1, "")
                    cells = f"{first}{top}:{last}{bottom}"
                    message = f"表头“{text}”是合并单元格（{cells}）：请取消合并，每列只写一个列名。"
                    issues.append(Issue(self._header_row, first, text, message))
                tail = data[-200:]
        return list(dict.fromkeys(issues))

    def estimated_rows(self) -> int:
        """An upper bound of the data rows without reading the cells (for choosing a background job)."""
        if self._sheet.max_row:
            return max(self._sheet.max_row - self._header_row, 0)
        # No <dimension> in the file: count the <row> elements of the sheet's XML instead.
        pattern = re.compile(rb"<(?:\w+:)?row[\s>/]")
        count, tail = 0, b""
        with self._workbook._archive.open(self._sheet._worksheet_path) as xml:
            while chunk := xml.read(1 << 20):
                data = tail + chunk
                count += len(pattern.findall(data))
                tail = data[-16:]
                count -= len(pattern.findall(tail))
        return max(count - self._header_row, 0)

    def rows(self) -> Iterator[tuple[int, tuple]]:
        values_of = self._sheet.iter_rows(min_row=self._header_row + 1, values_only=True)
        row_no = self._header_row
        while True:
            try:
                values = next(values_of)
            except StopIteration:
                return
            except Exception:  # noqa: BLE001 - damage further down the sheet's XML
                raise RosterFileError(UNREADABLE) from None
            row_no += 1
            if any(not is_blank(v) for v in values):
                yield row_no, values


def parse_row(layout: Layout, values: tuple) -> tuple[dict, dict[int, str]]:
    """The clean values of the row's recognised columns, and the messages of unreadable cells by column."""
    fields, errors = {}, {}
    for index, column in layout.columns.items():
        value = values[index] if index < len(values) else None
        try:
            fields[column.field] = parse_cell(column, value)
        except CellError as error:
            errors[index] = str(error)
    return fields, errors


def is_xlsx(file) -> bool:
    """Whether the bytes are a zip with a workbook part (what .xlsx is), without parsing it."""
    position = file.tell()
    try:
        with zipfile.ZipFile(file) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(position)


# --- Writing ------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F8E0E0")
REQUIRED_FONT = Font(bold=True, color="B71C1C")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")


def _format_columns(sheet, offset: int = 0) -> None:
    """Widths, and number formats on whole columns (not on empty cells, which would count as rows).

    Excel applies a column's format to what is typed into it: text keeps all 18 digits
    of an ID number and its X (a number cell keeps 15 digits).
    """
    for i, column in enumerate(COLUMNS, start=1 + offset):
        dimension = sheet.column_dimensions[get_column_letter(i)]
        dimension.width = max(column.width, len(column.header) * 2 + 2)
        if column.kind in (ID, PHONE):
            dimension.number_format = "@"
        elif column.kind == DATE:
            dimension.number_format = DATE_FORMAT


def write_template(out) -> None:
    """The empty roster with Chinese headers, text-formatted ID column, dropdowns; a second sheet explains."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    rows = 5000  # rows that get the dropdowns (a validation creates no cells)
    for i, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=i, value=column.header)
        cell.font = REQUIRED_FONT if column.field in REQUIRED_FIELDS else HEADER_FONT
        cell.fill = HEADER_FILL
        letter = get_column_letter(i)
        if column.kind in (CHOICE, BOOL):
            labels = _labels(column) if column.kind == CHOICE else [YES, NO]
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(labels) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="请从下拉列表选择",
                error="可选：" + "、".join(labels),
            )
            validation.add(f"{letter}2:{letter}{rows + 1}")
            sheet.add_data_validation(validation)
    _format_columns(sheet)
    sheet.freeze_panes = "B2"

    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "说明", "可填写的值", "也可识别的列名"])
    for cell in notes[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in COLUMNS:
        if column.kind == CHOICE:
            allowed = "、".join(_labels(column))
        elif column.kind == BOOL:
            allowed = "是、否（不填为否）"
        elif column.kind == DATE:
            allowed = "2020-01-02、2020/1/2、2020年1月2日、2020.1.2 或 Excel 日期"
        else:
            allowed = ""
        notes.append([column.header, column.note, allowed, "、".join(column.synonyms)])
    notes.append([])
    for line in (
        "1. 每行一人；按身份证号与本支部已登记的党员比对：新号码为新增，已有号码为更新。",
        "2. 身份证号一列须为“文本”格式（本模板已设置）；"
        "若 Excel 把号码变成数字或 3.30102E+17，后几位已丢失，须重新录入。",
        "3. 上传后先校验并预览，确认后才写入；只要有一行出错，全部不导入，"
        "可下载附有错误说明的文件，修改后重新上传。",
        "4. 已登记党员的发展阶段请在“发展党员”流程中办理，导入不能修改。",
        "5. “序号”“备注”“年龄”“所在支部”等列会被忽略。",
    ):
        notes.append([line])
    for letter, width in zip("ABCD", (18, 30, 48, 60), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    workbook.active = 0
    workbook.save(out)


def _cell(sheet, value, *, number_format: str | None = None, font=None, fill=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    return cell


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    """Text kept as text: openpyxl would write a string starting with "=" as a formula Excel runs."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def export_value(column: Column, value):
    """What the export writes in a cell: Excel dates for dates, Chinese labels for choices, text otherwise."""
    if column.kind == DATE:
        return value
    return display(column, value)


def write_roster(out, records: Iterable[dict], *, with_org: bool = True) -> int:
    """Write-only export: one row per record (field → clean value, plus ``organisation`` name)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    offset = 1 if with_org else 0
    if with_org:
        sheet.column_dimensions["A"].width = 20
    _format_columns(sheet, offset)
    sheet.freeze_panes = "C2" if with_org else "B2"
    headers = ([ORG_HEADER] if with_org else []) + [c.header for c in COLUMNS]
    sheet.append([_cell(sheet, h, font=HEADER_FONT, fill=HEADER_FILL) for h in headers])
    count = 0
    for record in records:
        row = [record.get("organisation", "")] if with_org else []
        for column in COLUMNS:
            value = export_value(column, record.get(column.field))
            if column.kind == DATE and value is not None:
                row.append(_cell(sheet, value, number_format=DATE_FORMAT))
            elif isinstance(value, str) and value.startswith("="):
                row.append(_text_cell(sheet, value))
            else:
                row.append(value)
        sheet.append(row)
        count += 1
    workbook.save(out)
    return count


def write_error_copy(source, out, issues: Iterable[Issue]) -> None:
    """The uploaded sheet again, with an error column at the end and the wrong cells filled red.

    Problems of the header itself go in a note row above it; the copy can be corrected and
    uploaded again as it is (the error column is ignored on import).
    """
    by_row: dict[int, list[Issue]] = {}
    for issue in issues:
        by_row.setdefault(issue.row, []).append(issue)
    with RosterReader(source) as reader:
        layout, sheet_in = reader.layout, reader._sheet
        index_of_letter = {layout.letter(i): i for i in layout.headers}
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet((sheet_in.title or "花名册")[:31])
        width = max(layout.headers, default=0) + 1
        for i in range(width):
            sheet.column_dimensions[get_column_letter(i + 1)].width = 14
        sheet.column_dimensions[get_column_letter(width + 1)].width = 60
        for row_no, values in enumerate(sheet_in.iter_rows(values_only=True), start=1):
            row_issues = by_row.get(row_no, [])
            is_header = row_no == layout.header_row
            if is_header and row_issues:
                note = "表头问题：" + "；".join(i.message for i in row_issues)
                sheet.append([_cell(sheet, note, font=ERROR_FONT)])
            values = (list(values) + [None] * width)[:width]
            wrong = {index_of_letter.get(i.column) for i in row_issues}
            cells = []
            for index, value in enumerate(values):
                fill = ERROR_FILL if index in wrong else (HEADER_FILL if is_header else None)
                font = HEADER_FONT if is_header else None
                fmt = DATE_FORMAT if isinstance(value, dt.date) else None
                cells.append(_cell(sheet, value, number_format=fmt, font=font, fill=fill))
            if is_header:
                cells.append(_cell(sheet, ERROR_HEADER, font=REQUIRED_FONT, fill=HEADER_FILL))
            elif row_issues:
                text = "；".join(f"{i.header or '本行'}：{i.message}" for i in row_issues)
                cells.append(_cell(sheet, text, font=ERROR_FONT))
            sheet.append(cells)
        workbook.save(out)
