"""Pages of organisations, terms and notices. Each lookup goes through branches.access."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import access, panels, rules, selectors, services
from .forms import (
    DissolveForm,
    MoveForm,
    OrganisationCreateForm,
    OrganisationForm,
    TermAdjustForm,
    TermOpenForm,
    TreeFilterForm,
    add_errors,
)
from .models import OrgKind

TREE_PAGE_SIZE = 200
LIST_PAGE_SIZE = 50


def home(request):
    """Each role lands on its own home: secretary the branch, reviewer and admin the tree."""
    user = request.user
    roles = access.roles(user)
    if roles & {"admin", "reviewer"}:
        return redirect("branches:tree")
    if "secretary" not in roles and (url := panels.home_url(user)):
        return redirect(url)
    org = access.home_organisation(user)
    if org is not None:
        return redirect(org)
    return render(request, "branches/no_scope.html")


def tree(request):
    roots = access.scope_roots(request.user)
    root = None
    if request.GET.get("root"):
        root = access.get_organisation_or_404(request.user, request.GET["root"])
    elif len(roots) == 1:
        root = roots[0]
    form = TreeFilterForm(request.GET or None)
    query, status = "", ""
    if form.is_valid():
        query, status = form.cleaned_data["q"], form.cleaned_data["status"]
    rows = selectors.organisation_tree(request.user, root=root, query=query, status=status)
    page = Paginator(rows, TREE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/tree.html",
        {
            "root": root,
            "breadcrumb": selectors.organisation_breadcrumb(request.user, root) if root else [],
            "page": page,
            "form": form,
            "filtered": bool(query or status),
            "can_create": root is not None and access.can_manage_structure(request.user, root),
        },
    )


def organisation_detail(request, pk):
    org = access.get_organisation_or_404(request.user, pk)
    terms = list(selectors.organisation_terms(org))
    current = next((t for t in terms if t.status == "current"), None)
    today = timezone.localdate()
    return render(
        request,
        "branches/organisation_detail.html",
        {
            "org": org,
            "breadcrumb": selectors.organisation_breadcrumb(request.user, org),
            "children": selectors.organisation_children(request.user, org),
            "terms": terms,
            "current": current,
            "current_status": current.status_on(today) if current else None,
            "days_left": rules.days_left(current.expires_on, today) if current else None,
            "can_edit": access.can_edit(request.user, org),
            "can_create_child": org.is_active
            and org.kind != OrgKind.PARTY_GROUP
            and access.can_manage_structure(request.user, org),
            "can_dissolve": org.is_active and access.can_dissolve(request.user, org),
            "has_terms": org.kind != OrgKind.PARTY_GROUP,
            "panels": panels.render_panels(request, org),
        },
    )


def organisation_create(request, pk):
    parent = access.get_organisation_or_404(request.user, pk)
    if not access.can_manage_structure(request.user, parent) or parent.kind == OrgKind.PARTY_GROUP:
        raise Http404("没有找到该组织，或您无权在其下设立组织。")
    form = OrganisationCreateForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(parent=parent, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已设立“{org.name}”。")
            return redirect(org)
    return render(
        request,
        "branches/organisation_form.html",
        {
            "form": form,
            "parent": parent,
            "breadcrumb": selectors.organisation_crumbs(request.user, parent),
            "title": f"在“{parent.name}”下设立组织",
        },
    )


def organisation_edit(request, pk):
    org = access.get_organisation_or_404(request.user, pk, edit=True)
    # A copy: a form that fails validation must not leave its values on the page's organisation.
    form = OrganisationForm(request.POST or None, instance=copy.copy(org))
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                organisation=org, **{f: form.cleaned_data[f] for f in form.changed_data}
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "组织信息已保存。")
            return redirect(org)
    return render(
        request,
        "branches/organisation_form.html",
        {
            "form": form,
            "org": org,
            "breadcrumb": selectors.organisation_crumbs(request.user, org),
            "title": f"编辑“{org.name}”",
        },
    )


def organisation_dissolve(request, pk):
    org = access.get_organisation_or_404(request.user, pk)
    if not org.is_active or not access.can_dissolve(request.user, org):
        raise Http404("没有找到该组织，或您无权撤销。")
    form = DissolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_dissolve(
                organisation=org, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{org.name}”已撤销，历史记录已保留。")
            return redirect(org)
    return render(
        request,
        "branches/organisation_dissolve.html",
        {
            "form": form,
            "org": org,
            "breadcrumb": selectors.organisation_crumbs(request.user, org),
        },
    )


def organisation_move(request, pk):
    """组织隶属关系调整: move the organisation and its subtree under another parent."""
    org = access.get_organisation_or_404(request.user, pk)
    if not org.is_active or not access.can_dissolve(request.user, org):
        raise Http404("没有找到该组织，或您无权调整其隶属关系。")
    candidates = selectors.move_targets(request.user, org)
    form = MoveForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        new_parent = form.cleaned_data["new_parent"]
        if not access.can_manage_structure(request.user, new_parent):
            raise Http404("没有找到该组织。")
        try:
            services.organisation_move(organisation=org, new_parent=new_parent)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{org.name}”已迁移到“{new_parent.name}”之下。")
            return redirect(org)
    return render(
        request,
        "branches/organisation_move.html",
        {
            "form": form,
            "org": org,
            "breadcrumb": selectors.organisation_crumbs(request.user, org),
        },
    )


def term_open(request, pk):
    org = access.get_organisation_or_404(request.user, pk, edit=True)
    if not org.is_active or org.kind == OrgKind.PARTY_GROUP:
        raise Http404("该组织不能换届。")
    last = selectors.organisation_terms(org).first()
    initial = {
        "number": (last.number + 1) if last else 1,
        "length_years": rules.default_term_years(org.kind, org.sector),
    }
    form = TermOpenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.term_open(organisation=org, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"已录入第{form.cleaned_data['number']}届班子。")
            return redirect(org)
    return render(
        request,
        "branches/term_form.html",
        {
            "form": form,
            "org": org,
            "current": last if last and last.status == "current" else None,
            "breadcrumb": selectors.organisation_crumbs(request.user, org),
            "title": "换届：录入新一届班子",
        },
    )


def term_adjust(request, pk):
    term = access.get_term_or_404(request.user, pk, edit=True)
    if term.status != "current":
        raise Http404("只能调整本届班子的届满日期。")
    form = TermAdjustForm(
        request.POST or None,
        initial={
            "expires_on": term.expires_on,
            "adjustment_doc_no": term.adjustment_doc_no,
            "adjustment_approved_on": term.adjustment_approved_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.term_adjust(
                term=term,
                expires_on=data["expires_on"],
                doc_no=data["adjustment_doc_no"],
                approved_on=data["adjustment_approved_on"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "届满日期已调整。")
            return redirect(term.organisation)
    org = term.organisation
    return render(
        request,
        "branches/term_form.html",
        {
            "form": form,
            "org": org,
            "term": term,
            "breadcrumb": selectors.organisation_crumbs(request.user, org),
            "title": f"延期或提前换届：第{term.number}届",
        },
    )


def terms_due(request):
    if not (access.roles(request.user) & {"admin", "reviewer"}):
        raise Http404("换届提醒仅对上级党委开放。")
    root = None
    if request.GET.get("root"):
        root = access.get_organisation_or_404(request.user, request.GET["root"])
    today = timezone.localdate()
    terms = selectors.terms_due(request.user, root=root, today=today)
    page = Paginator(terms, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    for term in page:
        term.current_status = term.status_on(today)
        term.days = rules.days_left(term.expires_on, today)
    return render(request, "branches/terms_due.html", {"page": page, "root": root})


def notices(request):
    page = Paginator(selectors.notices_for(request.user), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "branches/notices.html", {"page": page})


@require_POST
def notices_read(request):
    ids = request.POST.getlist("notice")
    count = services.notice_mark_read(user=request.user, notice_ids=[i for i in ids if i.isdigit()] or None)
    messages.info(request, f"已将{count}条通知标为已读。")
    return redirect("branches:notices")
