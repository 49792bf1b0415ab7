"""The import pages: template, upload, report, preview, confirm, progress fragment, error file; who may see them."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Role
from members import roster_io
from members.models import ImportStatus, Member, RosterImport
from members.services import roster_import as services
from tests.factories import UserFactory, grant

from .test_import_support import (  # noqa: F401 - media_root is an autouse fixture
    HEADERS,
    media_root,
    person,
    upload_file,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db


def upload(client, branch, content, name="花名册.xlsx"):
    return client.post(
        reverse("members:import_upload", args=[branch.pk]), {"file": upload_file(content, name)}
    )


def detail_url(roster_import):
    return reverse("members:import_detail", args=[roster_import.pk])


@pytest.fixture
def validated(tree, secretary):
    return services.roster_import_upload(
        organisation=tree["branch"],
        file=upload_file(workbook_bytes([person(1), person(2)])),
        uploaded_by=secretary,
    )


@pytest.fixture
def invalid(tree, secretary):
    rows = [person(1), person(2, **{"身份证号": 110105195001030005}), person(3, **{"性别": "男的"})]
    return services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(workbook_bytes(rows)), uploaded_by=secretary
    )


def test_template_has_chinese_headers_text_id_column_and_notes(login, secretary):
    response = login(secretary).get(reverse("members:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["花名册"]
    assert [c.value for c in sheet[1]] == HEADERS
    id_letter = roster_io.get_column_letter(HEADERS.index("身份证号") + 1)
    assert sheet.column_dimensions[id_letter].number_format == "@"  # the whole column is text
    date_letter = roster_io.get_column_letter(HEADERS.index("入党日期") + 1)
    assert sheet.column_dimensions[date_letter].number_format == "yyyy-mm-dd"
    validations = {str(v.sqref).split(":")[0][:1]: v.formula1 for v in sheet.data_validations.dataValidation}
    gender_letter = roster_io.get_column_letter(HEADERS.index("性别") + 1)
    assert validations[gender_letter] == '"男,女"'
    notes = [row[0] for row in workbook["填写说明"].iter_rows(values_only=True)]
    assert "身份证号" in notes


def test_uploaded_template_with_one_person_imports(login, secretary, tree):
    client = login(secretary)
    response = client.get(reverse("members:import_template"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["花名册"]
    row = person(1)
    for i, header in enumerate(HEADERS, start=1):
        sheet.cell(row=2, column=i, value=row.get(header))
    out = io.BytesIO()
    workbook.save(out)
    response = upload(client, tree["branch"], out.getvalue())
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    assert roster_import.status == ImportStatus.VALIDATED, roster_import.summary["errors"]
    assert roster_import.total_rows == 1  # the template's formatted empty rows are not data


def test_upload_page(login, secretary, tree):
    response = login(secretary).get(reverse("members:import_upload", args=[tree["branch"].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "导入花名册" in content
    assert reverse("members:import_template") in content
    assert reverse("members:export_xlsx", args=[tree["branch"].pk]) in content


def test_upload_preview_confirm_journey(login, secretary, tree):
    client = login(secretary)
    response = upload(client, tree["branch"], workbook_bytes([person(1), person(2)]))
    roster_import = RosterImport.objects.get()
    assert response.url == detail_url(roster_import)

    page = client.get(detail_url(roster_import)).content.decode()
    assert "校验通过" in page and "党员1" in page and "党员2" in page
    assert 'data-count="new">2<' in page
    assert not Member.objects.exists()

    response = client.post(reverse("members:import_confirm", args=[roster_import.pk]), follow=True)
    page = response.content.decode()
    assert "已导入：新增2人" in page
    assert 'data-testid="imported-members"' in page and "党员1" in page
    assert Member.objects.filter(organisation=tree["branch"]).count() == 2


def test_confirm_twice_imports_once(login, secretary, validated):
    client = login(secretary)
    url = reverse("members:import_confirm", args=[validated.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "不能重复导入" in response.content.decode()
    assert Member.objects.count() == 2


def test_confirm_is_post_only(login, secretary, validated):
    response = login(secretary).get(reverse("members:import_confirm", args=[validated.pk]))
    assert response.status_code == 405
    assert not Member.objects.exists()


def test_errors_are_listed_with_row_column_and_message(login, secretary, invalid):
    page = login(secretary).get(detail_url(invalid)).content.decode()
    assert "发现 2 处错误，没有导入任何数据" in page
    assert 'data-row="3" data-column="E"' in page and "数字" in page
    assert 'data-row="4" data-column="B"' in page and "男的" in page
    assert reverse("members:import_errors_xlsx", args=[invalid.pk]) in page
    assert "确认导入" not in page


def test_long_error_lists_are_paginated(login, secretary, tree):
    rows = [person(n, **{"性别": "?"}) for n in range(1, 121)]
    roster_import = services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(workbook_bytes(rows)), uploaded_by=secretary
    )
    client = login(secretary)
    first = client.get(detail_url(roster_import)).content.decode()
    assert first.count("<tr data-row=") == 50
    assert "1 / 3" in first and "共 120 条" in first
    last = client.get(detail_url(roster_import), {"page": 3}).content.decode()
    assert last.count("<tr data-row=") == 20
    assert 'data-row="121"' in last


def test_preview_filters_and_paginates(login, secretary, tree):
    from tests.factories import make_member

    existing = person(1)
    make_member(tree["branch"], name="党员1", id_number=existing["身份证号"], birth_date=existing["出生日期"])
    rows = [person(n) for n in range(1, 61)]
    roster_import = services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(workbook_bytes(rows)), uploaded_by=secretary
    )
    client = login(secretary)
    page = client.get(detail_url(roster_import)).content.decode()
    assert page.count('data-action="new"') == 49 and page.count('data-action="updated"') == 1
    updated = client.get(detail_url(roster_import), {"show": "updated"}).content.decode()
    assert updated.count("<tr data-row=") == 1
    assert "联系电话" in updated and "工作单位" in updated
    second = client.get(detail_url(roster_import), {"page": 2}).content.decode()
    assert second.count("<tr data-row=") == 10


def test_error_file_has_an_error_column_and_can_be_corrected_and_uploaded_again(
    login, secretary, invalid, tree
):
    client = login(secretary)
    response = client.get(reverse("members:import_errors_xlsx", args=[invalid.pk]))
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert header[-1] == "错误说明"
    error_column = len(header)
    assert sheet.cell(row=2, column=error_column).value is None
    assert "数字" in sheet.cell(row=3, column=error_column).value
    assert "男的" in sheet.cell(row=4, column=error_column).value
    assert sheet["E3"].fill.fgColor.rgb.endswith("FFC7CE")

    sheet["E3"] = person(2)["身份证号"]
    sheet["B4"] = "男"
    out = io.BytesIO()
    workbook.save(out)
    upload(client, tree["branch"], out.getvalue())
    again = RosterImport.objects.latest("pk")
    assert again.status == ImportStatus.VALIDATED, again.summary["errors"]
    assert again.summary["counts"]["new"] == 3


def test_header_problems_go_above_the_header_in_the_error_file(login, secretary, tree):
    rows = [{**person(1), "爱好": "书法"}]
    roster_import = services.roster_import_upload(
        organisation=tree["branch"],
        file=upload_file(workbook_bytes(rows, headers=[*HEADERS, "爱好"])),
        uploaded_by=secretary,
    )
    response = login(secretary).get(reverse("members:import_errors_xlsx", args=[roster_import.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert "爱好" in sheet["A1"].value
    assert sheet["A2"].value == "姓名"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("花名册.xls", b"\xd0\xcf\x11\xe0" + b"0" * 100, "只能上传 .xlsx"),
        ("花名册.csv", "姓名,身份证号".encode(), "只能上传 .xlsx"),
        ("花名册.xlsx", b"this is not a spreadsheet", "文件无法读取"),
        ("花名册.xlsx", b"", "文件是空的"),
    ],
)
def test_bad_files_get_a_chinese_message(login, secretary, tree, name, content, message):
    response = upload(login(secretary), tree["branch"], content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RosterImport.objects.exists()


def test_too_large_file(login, secretary, tree, monkeypatch):
    monkeypatch.setattr(services, "MAX_BYTES", 1024)
    response = upload(login(secretary), tree["branch"], workbook_bytes([person(n) for n in range(1, 30)]))
    assert "文件不能超过" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_corrupt_workbook_inside_a_zip_is_a_message_not_a_500(login, secretary, tree):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><broken")
    client = login(secretary)
    response = upload(client, tree["branch"], out.getvalue())
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    page = client.get(detail_url(roster_import)).content.decode()
    assert "文件无法读取" in page
    assert roster_import.status == ImportStatus.INVALID
    assert client.get(reverse("members:import_errors_xlsx", args=[roster_import.pk])).status_code == 404


def test_damage_further_down_the_sheet_is_a_message_not_a_500(login, secretary, tree):
    from openpyxl import Workbook

    # The normal writer puts <dimension> first, and the damage lies below the rows searched for the
    # header: it is met while reading the rows.
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for n in range(1, 16):
        workbook.active.append([person(n).get(h) for h in HEADERS])
    good = io.BytesIO()
    workbook.save(good)
    broken = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="14"', b'<row r="14"><c r="A14" t="n"><v>&bad;', 1)
            target.writestr(item, data)
    client = login(secretary)
    response = upload(client, tree["branch"], broken.getvalue())
    assert response.status_code == 302
    roster_import = RosterImport.objects.get()
    assert roster_import.status == ImportStatus.INVALID
    assert "文件无法读取" in client.get(detail_url(roster_import)).content.decode()


def test_sheet_without_a_header(login, secretary, tree):
    content = workbook_bytes([{"甲": 1, "乙": 2}])
    client = login(secretary)
    upload(client, tree["branch"], content)
    page = client.get(detail_url(RosterImport.objects.get())).content.decode()
    assert "没有找到表头" in page


def test_status_fragment_polls_while_running_and_refreshes_when_done(login, secretary, validated):
    client = login(secretary)
    url = reverse("members:import_status", args=[validated.pk])
    RosterImport.objects.filter(pk=validated.pk).update(
        status=ImportStatus.RUNNING, summary={**validated.summary, "phase": "importing"}
    )
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert f'hx-get="{url}"' in html and "正在导入花名册" in html and 'role="progressbar"' in html
    detail = client.get(detail_url(validated)).content.decode()
    assert (
        'data-testid="import-progress"' in detail
        and "<script" not in detail.split("<main")[1].split("</main>")[0]
    )

    RosterImport.objects.filter(pk=validated.pk).update(status=ImportStatus.DONE)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    assert client.get(url).url == detail_url(validated)


def test_detail_queries_do_not_grow_with_the_rows(login, secretary, tree, django_assert_max_num_queries):
    rows = [person(n) for n in range(1, 121)]
    roster_import = services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(workbook_bytes(rows)), uploaded_by=secretary
    )
    client = login(secretary)
    with django_assert_max_num_queries(15):
        client.get(detail_url(roster_import))
    services.roster_import_confirm(roster_import=roster_import, confirmed_by=secretary)
    with django_assert_max_num_queries(15):
        client.get(detail_url(roster_import))


# --- Who may do what ------------------------------------------------------------------------


def test_reviewer_cannot_upload(login, reviewer, tree):
    client = login(reviewer)
    url = reverse("members:import_upload", args=[tree["branch"].pk])
    assert client.get(url).status_code == 404
    assert upload(client, tree["branch"], workbook_bytes([person(1)])).status_code == 404
    assert not RosterImport.objects.exists()


def test_member_cannot_upload(login, tree):
    user = UserFactory(username="member_only")
    grant(user, tree["branch"], Role.MEMBER)
    assert login(user).get(reverse("members:import_upload", args=[tree["branch"].pk])).status_code == 404


def test_outsider_cannot_upload_to_another_branch(login, outsider, tree):
    assert upload(login(outsider), tree["branch"], workbook_bytes([person(1)])).status_code == 404


def test_admin_may_upload(login, admin_user, tree):
    response = upload(login(admin_user), tree["branch"], workbook_bytes([person(1)]))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("import_detail", "get"),
        ("import_status", "get"),
        ("import_errors_xlsx", "get"),
        ("import_confirm", "post"),
    ],
)
@pytest.mark.parametrize("who", ["outsider", "reviewer"])
def test_another_branchs_import_is_404(request, login, invalid, validated, name, method, who):
    client = login(request.getfixturevalue(who))
    target = invalid if name == "import_errors_xlsx" else validated
    response = getattr(client, method)(reverse(f"members:{name}", args=[target.pk]))
    assert response.status_code == 404
    assert not Member.objects.exists()


def test_every_url_of_the_imports_is_in_an_access_test():
    from members.views import imports

    tested = {"import_detail", "import_status", "import_errors_xlsx", "import_confirm"}  # above
    tested |= {"import_upload"}  # test_reviewer_cannot_upload and the outsider/member tests
    tested |= {"export_xlsx"}  # tests/members/test_export_roster.py
    tested |= {"import_template"}  # an empty form, open to every logged-in user
    assert {p.name for p in imports.urls} == tested


def test_template_needs_a_login(client):
    response = client.get(reverse("members:import_template"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_unknown_import_is_404(login, secretary):
    assert login(secretary).get(reverse("members:import_detail", args=[999999])).status_code == 404


def test_recent_imports_are_listed_on_the_upload_page(
    login, secretary, validated, invalid, tree, django_assert_max_num_queries
):
    RosterImport.objects.create(
        organisation=tree["branch"],
        original_name="大文件.xlsx",
        status=ImportStatus.RUNNING,
        summary={"phase": "validating"},
        uploaded_by=secretary,
    )
    client = login(secretary)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("members:import_upload", args=[tree["branch"].pk])).content.decode()
    assert page.count(detail_url(validated)) == 1 and page.count(detail_url(invalid)) == 1
    assert "待确认" in page and "有错误" in page and "校验中" in page
