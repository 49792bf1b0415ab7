"""三本五盒 pages per role: the branch's secretary, the reviewer above, an admin — and the 404s of
everyone else (another branch's secretary, the sibling committee's reviewer, a member)."""

import hashlib
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from archives import demo_documents
from archives.defaults import ensure_defaults
from archives.models import Document, DocumentCategory
from archives.services import documents as services
from branches.models import Role
from tests.factories import UserFactory, grant

PDF = demo_documents.pdf_bytes()


@pytest.fixture(autouse=True)
def media(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_defaults()


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def member(tree):
    user = UserFactory(username="member")
    grant(user, tree["branch"], Role.MEMBER)
    return user


@pytest.fixture
def other_reviewer(tree):
    user = UserFactory(username="other_reviewer")
    grant(user, tree["sibling"], Role.REVIEWER)
    return user


def cat(code):
    return DocumentCategory.objects.get(code=code)


def file_doc(
    user, org, *, title="支部党员大会记录", code="meeting-book", year=None, content=PDF, name="记录.pdf"
):
    return services.document_upload(
        user=user,
        organisation=org,
        year=year or timezone.localdate().year,
        category=cat(code),
        title=title,
        tags="三会一课，党员大会",
        file=SimpleUploadedFile(name, content),
    )


@pytest.fixture
def doc(secretary, tree):
    return file_doc(secretary, tree["branch"])


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def card_counts(response) -> dict[str, int]:
    """category code → the count on its card."""
    return {c["category"].code: c["count"] for _l, _i, cards, _c in response.context["kinds"] for c in cards}


REFUSED = ["outsider", "other_reviewer", "member"]


# ---------------------------------------------------------------- the list


def test_secretary_sees_the_branch_list(login, secretary, tree, doc):
    response = login(secretary).get(reverse("archives:document_list", args=[tree["branch"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "三本五盒" in body and doc.title in body
    assert reverse("archives:document_download", args=[doc.pk]) in body
    assert reverse("archives:document_upload", args=[tree["branch"].pk]) in body
    # Three books and five boxes, each a card with its count.
    assert body.count('data-category="') == 8
    books, boxes = (cards for _label, _icon, cards, _cols in response.context["kinds"])
    assert [c["category"].kind for c in books] == ["book"] * 3
    assert [c["category"].kind for c in boxes] == ["box"] * 5
    assert {c["category"].code: c["count"] for c in books}["meeting-book"] == 1


@pytest.mark.parametrize("who", REFUSED)
def test_others_get_404_on_the_branch_list(login, tree, doc, who, request):
    user = request.getfixturevalue(who)
    response = login(user).get(reverse("archives:document_list", args=[tree["branch"].pk]))
    assert response.status_code == 404


def test_secretary_gets_404_for_another_branch_and_the_committee(login, secretary, tree):
    client = login(secretary)
    for org in ("other_branch", "town", "sibling_branch", "group"):
        assert client.get(reverse("archives:document_list", args=[tree[org].pk])).status_code == 404


def test_reviewer_sees_the_subtree_not_the_sibling(login, reviewer, tree, doc):
    client = login(reviewer)
    response = client.get(reverse("archives:document_list", args=[tree["branch"].pk]))
    assert response.status_code == 200 and doc.title in response.content.decode()
    assert client.get(reverse("archives:document_list", args=[tree["town"].pk])).status_code == 200
    assert client.get(reverse("archives:document_list", args=[tree["sibling_branch"].pk])).status_code == 404


def test_the_town_list_does_not_show_a_branch_document(login, reviewer, tree, doc):
    response = login(reviewer).get(reverse("archives:document_list", args=[tree["town"].pk]))
    assert doc.title not in response.content.decode()


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("archives:document_list", args=[tree["branch"].pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_filters_by_year_and_category_with_counts_for_the_year(login, secretary, tree, year):
    branch = tree["branch"]
    file_doc(secretary, branch, title="今年记录", code="meeting-book")
    file_doc(secretary, branch, title="今年照片", code="meeting-docs")
    file_doc(secretary, branch, title="去年记录", code="meeting-book", year=year - 1)
    client = login(secretary)
    url = reverse("archives:document_list", args=[branch.pk])

    response = client.get(url, {"year": year})
    titles = [d.title for d in response.context["page"]]
    assert sorted(titles) == ["今年照片", "今年记录"]
    counts = card_counts(response)
    assert counts["meeting-book"] == 1 and counts["meeting-docs"] == 1 and counts["dues-book"] == 0

    response = client.get(url, {"year": year - 1, "category": "meeting-book"})
    assert [d.title for d in response.context["page"]] == ["去年记录"]

    response = client.get(url, {"category": "meeting-book"})
    assert sorted(d.title for d in response.context["page"]) == ["今年记录", "去年记录"]
    counts = card_counts(response)
    assert counts["meeting-book"] == 2  # all years
    body = response.content.decode()
    assert f'href="{url}?year={year - 1}&amp;category=meeting-book"' in body  # year links keep the category


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "abc"}, "年度“abc”无效"),
        ({"year": "1999"}, "年度“1999”无效"),
        ({"year": "99999999999999999999"}, "无效"),
        ({"category": "nope"}, "没有“nope”这个档案类别"),
        ({"page": "x"}, None),
        ({"page": "999"}, None),
    ],
)
def test_bad_filters_are_ignored_with_a_message(login, secretary, tree, doc, params, message):
    response = login(secretary).get(reverse("archives:document_list", args=[tree["branch"].pk]), params)
    assert response.status_code == 200
    assert [d.pk for d in response.context["page"]] == [doc.pk]
    if message:
        assert any(message in m for m in texts(response))
        assert message in response.content.decode()


def test_deleted_records_are_greyed_with_their_reason_and_no_download(
    login, secretary, admin_user, tree, doc, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(user=admin_user, document=doc, reason="重复上传的记录")
    response = login(secretary).get(reverse("archives:document_list", args=[tree["branch"].pk]))
    body = response.content.decode()
    assert "已删除：重复上传的记录" in body
    assert f'data-document-id="{doc.pk}" class="text-body-tertiary" data-deleted' in body
    assert reverse("archives:document_download", args=[doc.pk]) not in body
    counts = card_counts(response)
    assert counts["meeting-book"] == 0  # on file: none


def test_the_list_is_paged_by_20(login, secretary, tree):
    for n in range(21):
        file_doc(secretary, tree["branch"], title=f"记录{n:02d}")
    client = login(secretary)
    url = reverse("archives:document_list", args=[tree["branch"].pk])
    first = client.get(url)
    assert len(first.context["page"].object_list) == 20
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 1
    assert "共 21 条" in first.content.decode()


def test_list_queries_do_not_grow_with_the_documents(login, secretary, admin_user, tree, year):
    """3 documents or 30 (of two uploaders, two years, some deleted): the same number of queries."""
    client = login(secretary)
    url = reverse("archives:document_list", args=[tree["branch"].pk])
    uploaders = [secretary, admin_user]

    def add(n):
        for i in range(n):
            made = file_doc(uploaders[i % 2], tree["branch"], title=f"文件{i}", year=year - i % 2)
            if i % 5 == 4:
                services.document_delete(user=admin_user, document=made, reason="重复上传")

    add(3)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    Document.objects.all().delete()
    add(30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 12


# ---------------------------------------------------------------- upload


def post_upload(client, org, **fields):
    data = {
        "year": timezone.localdate().year,
        "category": cat("meeting-docs").pk,
        "title": "主题党日照片",
        "tags": "主题党日",
        "file": SimpleUploadedFile("照片.png", demo_documents.image_bytes("PNG")),
    }
    data.update(fields)
    return client.post(reverse("archives:document_upload", args=[org.pk]), data)


def test_upload_form_starts_with_this_year_and_the_chosen_category(login, secretary, tree, year):
    response = login(secretary).get(
        reverse("archives:document_upload", args=[tree["branch"].pk]), {"category": "dues-book"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {"year": year, "category": cat("dues-book").pk}
    assert [c for c, _ in form.fields["year"].choices][:2] == [year, year - 1]
    assert len(form.fields["category"].queryset) == 8
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_secretary_uploads_and_is_sent_to_the_list(login, secretary, tree, year):
    client = login(secretary)
    response = post_upload(client, tree["branch"])
    doc = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("archives:document_list", args=[tree["branch"].pk]) + f"?year={year}&category=meeting-docs"
    )
    assert doc.organisation == tree["branch"] and doc.uploaded_by == secretary
    assert doc.original_name == "照片.png" and doc.content_type == "image/png"
    page = client.get(response["Location"])
    assert "已将“主题党日照片”归入三会一课材料盒" in page.content.decode()
    assert doc.title in page.content.decode()


def test_bad_file_reshows_the_form_with_the_other_fields_kept(login, secretary, tree):
    response = post_upload(
        login(secretary),
        tree["branch"],
        title="七一党课讲稿",
        tags="党课，七一",
        file=SimpleUploadedFile("讲稿.pdf", b"MZ\x90\x00 renamed program"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "按文件内容判断" in body and "is-invalid" in body
    assert 'value="七一党课讲稿"' in body and 'value="党课，七一"' in body
    assert f'<option value="{cat("meeting-docs").pk}" selected>' in body
    assert not Document.objects.exists()


def test_too_large_a_file_is_refused_on_the_form(login, secretary, tree, settings):
    settings.ARCHIVE_DOCUMENT_MAX_MB = 0.001  # 1,048 bytes
    response = post_upload(
        login(secretary), tree["branch"], file=SimpleUploadedFile("a.pdf", PDF + b"%" * 2000)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["文件不能超过 1 KB（所选文件 2.5 KB）。"]
    assert "不超过 1 KB" in response.content.decode()  # the help text says the limit
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": ""}, "title", "请填写标题。"),
        ({"year": 1999}, "year", "请选择列表中的年度。"),
        ({"year": lambda: timezone.localdate().year + 1}, "year", "请选择列表中的年度。"),
        ({"category": 999999}, "category", "请选择列表中的类别。"),
        ({"file": ""}, "file", "请选择要上传的文件。"),
        ({"file": SimpleUploadedFile("空.pdf", b"")}, "file", "文件是空的，请重新选择。"),
        ({"tags": "签" * 201}, "tags", "标签合计不能超过 200 个字。"),
    ],
)
def test_each_bad_field_has_its_message(login, secretary, tree, fields, field, message):
    fields = {key: value() if callable(value) else value for key, value in fields.items()}  # dated when run
    response = post_upload(login(secretary), tree["branch"], **fields)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not Document.objects.exists()


def test_reviewer_uploads_for_a_branch_of_the_subtree(login, reviewer, tree):
    response = post_upload(login(reviewer), tree["branch"])
    assert response.status_code == 302
    assert Document.objects.get().uploaded_by == reviewer


@pytest.mark.parametrize("who", REFUSED)
def test_others_cannot_upload(login, tree, who, request):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("archives:document_upload", args=[tree["branch"].pk])).status_code == 404
    assert post_upload(client, tree["branch"]).status_code == 404
    assert not Document.objects.exists()


# ---------------------------------------------------------------- detail and download


def test_detail_shows_every_fact(login, reviewer, secretary, tree, doc):
    secretary.first_name = "王书记"
    secretary.save()
    response = login(reviewer).get(reverse("archives:document_detail", args=[doc.pk]))
    body = response.content.decode()
    for text in (
        doc.title,
        doc.sha256,
        "王书记",
        "三会一课",
        "党员大会",
        "记录.pdf",
        "会议记录本",
        f"{doc.year}年",
        timezone.localtime(doc.uploaded_at).strftime("%Y-%m-%d %H:%M"),
    ):
        assert text in body, text
    assert reverse("archives:document_download", args=[doc.pk]) in body
    assert reverse("archives:document_delete", args=[doc.pk]) not in body  # reviewers don't delete


def test_detail_of_a_deleted_document_shows_the_deletion(login, secretary, admin_user, tree, doc):
    services.document_delete(user=admin_user, document=doc, reason="上传错误的文件")
    body = login(secretary).get(reverse("archives:document_detail", args=[doc.pk])).content.decode()
    assert "已删除：上传错误的文件" in body and admin_user.get_full_name() in body and doc.sha256 in body
    assert reverse("archives:document_download", args=[doc.pk]) not in body


@pytest.mark.parametrize("who", REFUSED)
def test_others_get_404_on_detail_and_download(login, doc, who, request):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("archives:document_detail", args=[doc.pk])).status_code == 404
    assert client.get(reverse("archives:document_download", args=[doc.pk])).status_code == 404


def test_download_sends_the_file_under_its_original_name(login, secretary, doc):
    response = login(secretary).get(reverse("archives:document_download", args=[doc.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content == PDF and hashlib.sha256(content).hexdigest() == doc.sha256
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"document-{doc.pk}.pdf\"; filename*=UTF-8''{quote('记录.pdf')}"
    )
    assert response["Content-Length"] == str(len(PDF))


def test_download_of_an_ascii_name_keeps_it_and_corrects_a_wrong_extension(login, secretary, tree):
    doc = file_doc(secretary, tree["branch"], content=demo_documents.image_bytes("PNG"), name="scan 01.pdf")
    response = login(secretary).get(reverse("archives:document_download", args=[doc.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith('attachment; filename="scan 01.png";')


def test_download_of_a_deleted_or_missing_file_is_404(login, secretary, admin_user, tree, doc):
    client = login(secretary)
    other = file_doc(secretary, tree["branch"], title="另一份")
    default_storage.delete(other.file.name)
    assert client.get(reverse("archives:document_download", args=[other.pk])).status_code == 404
    services.document_delete(user=admin_user, document=doc, reason="重复上传")
    assert client.get(reverse("archives:document_download", args=[doc.pk])).status_code == 404


def test_reviewer_downloads_a_subtree_document(login, reviewer, doc):
    assert login(reviewer).get(reverse("archives:document_download", args=[doc.pk])).status_code == 200


# ---------------------------------------------------------------- delete


def test_admin_confirms_then_deletes_with_a_reason(
    login, admin_user, tree, doc, settings, django_capture_on_commit_callbacks
):
    client = login(admin_user)
    url = reverse("archives:document_delete", args=[doc.pk])
    detail = client.get(reverse("archives:document_detail", args=[doc.pk])).content.decode()
    assert url in detail
    page = client.get(url)
    assert (
        page.status_code == 200 and "确认删除" in page.content.decode() and doc.title in page.content.decode()
    )

    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"] == ["请填写删除原因。"]
    response = client.post(url, {"reason": "重"})
    assert response.context["form"].errors["reason"] == ["删除原因至少 2 个字。"]
    assert not Document.objects.get(pk=doc.pk).is_deleted

    path = settings.MEDIA_ROOT / doc.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "重复上传"})
    assert response.status_code == 302
    assert (
        response["Location"]
        == reverse("archives:document_list", args=[tree["branch"].pk]) + f"?year={doc.year}"
    )
    kept = Document.objects.get(pk=doc.pk)
    assert kept.is_deleted and kept.delete_reason == "重复上传" and kept.deleted_by == admin_user
    assert not path.exists()
    assert "档案记录和删除原因已保留" in client.get(response["Location"]).content.decode()

    again = client.post(url, {"reason": "再删一次"})
    assert again.status_code == 302 and again["Location"] == reverse(
        "archives:document_detail", args=[doc.pk]
    )
    assert "不能重复删除" in texts(again)[-1]
    assert Document.objects.get(pk=doc.pk).delete_reason == "重复上传"


@pytest.mark.parametrize("who", ["secretary", "reviewer", *REFUSED])
def test_everyone_but_an_admin_gets_404_on_delete(login, doc, who, request):
    client = login(request.getfixturevalue(who))
    url = reverse("archives:document_delete", args=[doc.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "重复上传"}).status_code == 404
    assert not Document.objects.get(pk=doc.pk).is_deleted
    assert default_storage.exists(doc.file.name)


def test_delete_accepts_only_get_and_post(login, admin_user, doc):
    assert login(admin_user).put(reverse("archives:document_delete", args=[doc.pk])).status_code == 405
