"""公示栏 and 异议 (DOMAIN §7).

``public_urls`` (namespace ``board``, at /gongshi/): the public board of an organisation and
the objection form of each item, without a login. ``urls`` (namespace ``assessment``): the
reviewers' list of objections and of items in their subtree, and the handling of an objection.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from branches import access
from branches import selectors as branch_selectors
from branches.forms import add_errors

from .. import selectors_publicity as selectors
from ..models import ObjectionStatus
from ..services import publicity as services

BOARD_PAGE_SIZE = 20
LIST_PAGE_SIZE = 30
THANKS_SALT = "assessment.objection.thanks"
THANKS_MAX_AGE = 7 * 24 * 3600


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label="异议内容",
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": services.TEXT_MAX}),
        help_text=f"请写明对哪一项内容有异议、理由和可以核实的线索，不超过{services.TEXT_MAX}字。",
    )
    name = forms.CharField(label="姓名（可不填）", max_length=services.NAME_MAX, required=False)
    phone = forms.CharField(
        label="联系电话（可不填）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text="留下电话便于核实后回复；电话只有负责处理的上级党组织能看到。",
    )


class HandleForm(forms.Form):
    handling = forms.CharField(
        label="处理情况",
        max_length=services.HANDLING_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明核实经过和处理结果；保存后异议标记为已处理，不能撤回。",
    )


def _today():
    """The board's day (one place, so that tests can fix it)."""
    return timezone.localdate()


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _public_item(item, today):
    """Title and text as the public sees them: an ID number or a phone is masked even in a notice's text."""
    item.public_title = selectors.redact(item.title)
    item.public_body = selectors.redact(item.body)
    item.days_left = (item.ends_on - today).days
    return item


# ---------------------------------------------------------------- the public board


@login_not_required
@require_GET
def board(request, code):
    org = selectors.get_board_org_or_404(code)
    today = _today()
    page = Paginator(selectors.board_items(org, today), BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page.object_list:
        _public_item(item, today)
    return render(request, "assessment/publicity/board.html", {"org": org, "page": page, "today": today})


@login_not_required
@require_http_methods(["GET", "POST"])
def objection(request, code, pk):
    org = selectors.get_board_org_or_404(code)
    today = _today()
    item = _public_item(selectors.get_board_item_or_404(org, pk, today), today)
    context = {"org": org, "item": item, "today": today, "board_url": reverse("board:board", args=[org.code])}
    if not item.is_open_on(today):
        return render(request, "assessment/publicity/closed.html", context, status=410)
    form = ObjectionForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            created = services.objection_submit(
                publicity=item,
                client=services.client_key(client_address(request)),
                today=today,
                **form.cleaned_data,
            )
        except services.RateLimited as error:
            form.add_error(None, error)
            status = 429
        except ValidationError as error:
            add_errors(form, error)
        else:
            token = signing.dumps({"o": created.pk, "p": item.pk}, salt=THANKS_SALT)
            return redirect("board:objection_thanks", code=org.code, token=token)
    context["form"] = form
    return render(request, "assessment/publicity/objection_form.html", context, status=status)


@login_not_required
@require_GET
def objection_thanks(request, code, token):
    org = selectors.get_board_org_or_404(code)
    try:
        ref = signing.loads(token, salt=THANKS_SALT, max_age=THANKS_MAX_AGE)
    except signing.BadSignature:
        raise Http404("该页面已失效。") from None
    return render(
        request,
        "assessment/publicity/objection_thanks.html",
        {"org": org, "reference": ref["o"], "item_pk": ref["p"]},
    )


public_urls = [
    path("<str:code>/", board, name="board"),
    path("<str:code>/<int:pk>/yiyi/", objection, name="objection"),
    path("<str:code>/yiyi/<str:token>/", objection_thanks, name="objection_thanks"),
]


# ---------------------------------------------------------------- reviewers


def _tabs(org, active, counts):
    return {
        "org": org,
        "active_tab": active,
        "counts": counts,
        "board_url": reverse("board:board", args=[org.code]),
    }


@require_GET
def objection_list(request, pk):
    org = selectors.get_objection_org_or_404(request.user, pk)
    status = request.GET.get("status", "")
    status = status if status in ObjectionStatus.values else ""
    try:
        item = int(request.GET.get("item", ""))
    except ValueError:
        item = None
    found = selectors.objections_of(request.user, org, status=status, publicity=item)
    page = Paginator(found, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.can_handle = row.status == ObjectionStatus.OPEN and access.can_assess(
            request.user, row.publicity.organisation
        )
    counts = selectors.objection_counts(request.user, org)
    return render(
        request,
        "assessment/publicity/objection_list.html",
        {
            **_tabs(org, "objections", counts),
            "page": page,
            "status": status,
            "statuses": [("", "全部"), *ObjectionStatus.choices],
            "item": item,
            "handle_form": HandleForm(),
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
            "current_crumb": "公示异议",
        },
    )


@require_GET
def publicity_list(request, pk):
    org = selectors.get_objection_org_or_404(request.user, pk)
    when = request.GET.get("when", "current")
    when = when if when in selectors.WHEN else "current"
    today = _today()
    found = selectors.publicities_of(request.user, org, when=when, today=today)
    page = Paginator(found, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessment/publicity/publicity_list.html",
        {
            **_tabs(org, "items", selectors.objection_counts(request.user, org)),
            "page": page,
            "when": when,
            "whens": selectors.WHEN.items(),
            "today": today,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
            "current_crumb": "公示事项",
        },
    )


@require_http_methods(["GET", "POST"])
def objection_handle(request, pk):
    found = selectors.get_objection_or_404(request.user, pk)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith(
        "/"
    ):
        back = reverse("assessment:objection_list", args=[found.publicity.organisation_id])
    form = HandleForm(request.POST or None)
    if request.method == "POST" and found.status == ObjectionStatus.OPEN and form.is_valid():
        try:
            services.objection_handle(objection=found, by=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404("没有找到该异议。") from None
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"异议 {found.pk} 已记录处理情况。")
            return redirect(back)
    org = found.publicity.organisation
    return render(
        request,
        "assessment/publicity/objection_handle.html",
        {
            "objection": found,
            "form": form,
            "back": back,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
            "current_crumb": f"异议 {found.pk}",
        },
    )


urls = [
    path("objections/<int:pk>/", objection_list, name="objection_list"),
    path("objections/<int:pk>/items/", publicity_list, name="publicity_list"),
    path("objection/<int:pk>/handle/", objection_handle, name="objection_handle"),
]
