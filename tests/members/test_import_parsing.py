"""Cells and headers as offices type them: dates, full-width characters, synonyms, ID numbers as numbers."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members import roster_io
from members.roster_io import COLUMN_BY_FIELD, CellError


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2020, 1, 2),
        dt.datetime(2020, 1, 2, 0, 0),
        "2020-01-02",
        "2020-1-2",
        "2020/1/2",
        "2020/01/02",
        "2020年1月2日",
        "2020年01月02日",
        "2020.1.2",
        "2020.01.02",
        "20200102",
        20200102,
        "2020-01-02 00:00:00",
        "2020-1-2 10:30",
        " 2020 - 01 - 02 ",
        "２０２０年１月２日",
        "２０２０．１．２",
        "2020／1／2",
    ],
)
def test_accepted_date_formats(value):
    assert roster_io.parse_date(value) == dt.date(2020, 1, 2)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_text_format_reads_back_the_same_day(day):
    for text in (
        f"{day:%Y-%m-%d}",
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}.{day.month}.{day.day}",
    ):
        assert roster_io.parse_date(text) == day


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_blank_date_is_none(value):
    assert roster_io.parse_date(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2020-13-01", "不存在"),
        ("2021-02-29", "不存在"),
        ("2020年2月", "日期格式不正确"),
        ("去年七月", "日期格式不正确"),
        ("01/02/2020", "日期格式不正确"),
        (43831, "日期格式不正确"),
        (2020.5, "日期格式不正确"),
    ],
)
def test_bad_dates_say_what_is_accepted(value, message):
    with pytest.raises(CellError, match=message):
        roster_io.parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (110105198506150011, "数字"),
        (1.10105198506150e17, "数字"),
        ("1.10105E+17", "科学计数法"),
        ("1.10105e17", "科学计数法"),
    ],
)
def test_id_number_stored_as_number_is_refused(value, expected):
    with pytest.raises(CellError, match=expected):
        roster_io.parse_id_number(value)


def test_id_number_text_is_normalised():
    assert roster_io.parse_id_number(" １１０１０５ １９５００１０６ ００１ｘ ") == "11010519500106001X"
    assert roster_io.parse_id_number(None) == ""


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("　张　三　", "张三"),
        (" 张 三 ", "张三"),
        ("阿依古丽 • 买买提", "阿依古丽·买买提"),
        ("John  Smith", "John Smith"),
        ("王\u200b五", "王五"),
    ],
)
def test_names_lose_stray_and_full_width_spaces(raw, clean):
    assert roster_io.clean_name(raw) == clean


def test_free_text_keeps_chinese_punctuation_but_not_full_width_letters():
    assert roster_io.clean_text("　ＡＢＣ电力公司（集团）　 二车间 ") == "ABC电力公司（集团） 二车间"
    assert roster_io.clean_text("县委组发〔２０１０〕１２号") == "县委组发〔2010〕12号"
    assert roster_io.clean_text(13812345678.0) == "13812345678"


def test_phone_accepts_numbers_and_full_width_digits():
    assert roster_io.parse_phone(13812345678) == "13812345678"
    assert roster_io.parse_phone("１３８ １２３４ ５６７８") == "13812345678"
    assert roster_io.parse_phone("0571-88886666") == "0571-88886666"
    with pytest.raises(CellError, match="联系电话"):
        roster_io.parse_phone(57188886666)  # a landline whose leading 0 Excel dropped


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        ("gender", " 男 ", "male"),
        ("gender", "女性", "female"),
        ("stage", "正式党员", "full"),
        ("stage", "中共党员", "full"),
        ("stage", "中共预备党员", "probationary"),
        ("stage", "入党积极分子", "activist"),
        ("stage", "发展对象", "candidate"),
        ("stage", "入党申请人", "applicant"),
        ("dues_category", "离退休", "retired"),
        ("dues_category", "退休", "retired"),
        ("dues_category", "下岗失业", "unemployed"),
        ("dues_category", "低保", "subsistence"),
        ("dues_category", "农民", "farmer"),
        ("dues_category", "学生", "student"),
        ("education", "大学本科", "bachelor"),
        ("education", "大专", "college"),
        ("education", "硕士研究生", "postgraduate"),
        ("education", "初中及以下", "junior"),
    ],
)
def test_chinese_values_map_to_choices(field, text, value):
    assert roster_io.parse_cell(COLUMN_BY_FIELD[field], text) == value


def test_unknown_value_lists_the_allowed_ones():
    with pytest.raises(CellError) as raised:
        roster_io.parse_cell(COLUMN_BY_FIELD["stage"], "党员候选人")
    message = str(raised.value)
    assert "党员候选人" in message
    assert "正式党员" in message and "入党申请人" in message


def test_ethnicity_and_booleans():
    assert roster_io.parse_ethnicity("汉") == "汉族"
    assert roster_io.parse_ethnicity("蒙古族") == "蒙古族"
    with pytest.raises(CellError, match="56个民族"):
        roster_io.parse_ethnicity("汗族")
    assert roster_io.parse_bool("是") is True
    assert roster_io.parse_bool(" 否 ") is False
    assert roster_io.parse_bool(None) is False
    with pytest.raises(CellError, match="是"):
        roster_io.parse_bool("也许")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("身份证号", "id_number"),
        ("公民身份号码", "id_number"),
        ("居民身份证号", "id_number"),
        ("身份证号码", "id_number"),
        ("*身份证号", "id_number"),
        ("身份证号（必填）", "id_number"),
        ("身 份 证 号", "id_number"),
        ("姓名", "name"),
        ("手机号码", "phone"),
        ("政治面貌", "stage"),
        ("文化程度", "education"),
        ("入党时间", "admitted_on"),
        ("职务／岗位", "post"),
    ],
)
def test_header_synonyms(header, field):
    assert roster_io.match_header(header).field == field


def test_unknown_header_matches_nothing():
    assert roster_io.match_header("爱好") is None


def test_template_headers_all_match_their_own_column():
    for column in roster_io.COLUMNS:
        assert roster_io.match_header(column.header) is column
        for word in column.synonyms:
            assert roster_io.match_header(word) is column, word
