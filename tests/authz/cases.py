"""The authorization matrix: one case per named URL of the portal, what each role may do with it.

A case names the object its URL takes (a key of the world, built in three scopes: "in" the branch of the
secretary and the member under the reviewer's committee, "near" another branch of that committee, "out"
a branch of a sibling committee), who may GET it and who may POST to it when the object is in scope.
Everything else follows from DOMAIN §8 and is the same for every case (harness.expected):

- the anonymous user is sent to the login page (public pages excepted);
- an admin sees every subtree: "near" and "out" answer as "in";
- the reviewer's scope is "in" and "near"; the secretary's and the member's only "in";
- a role gets 404 for an object outside its scope, whatever it could do inside;
- inside the scope a role that may not GET or POST gets 404 too, never 403 or the data;
- a method the view does not take answers 405 (before any lookup: it reveals nothing).

A POST's ``data`` is what the allowed role would send to succeed; ``changes`` says that it does (the
admin's in-scope POST writes), which shows that the unchanged database after a refused POST is the
refusal's doing and not a form error's. A refused POST is also sent with no data: the refusal comes
before the form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.timezone import localdate as today

from archives import demo_documents
from members.idcard import make_id_number

ALL = frozenset({"admin", "reviewer", "secretary", "member"})
STAFF = frozenset({"admin", "reviewer", "secretary"})  # who reads a branch's records
RECORD = frozenset({"admin", "secretary"})  # who keeps them
REVIEW = frozenset({"admin", "reviewer"})  # the committee above (reads, reviews, assesses)
ADMIN = frozenset({"admin"})  # also the county-level steps: the town's reviewer is not above the town
OWN = frozenset({"member"})  # pages of one's own member record
NOBODY = frozenset()
READ = frozenset({200})  # a view without a method restriction answers a POST as a GET, writing nothing

PDF = demo_documents.pdf_bytes()


def day(delta: int = 0) -> str:
    return (today() + dt.timedelta(days=delta)).isoformat()


@dataclass(frozen=True)
class Case:
    name: str
    target: str | None = None  # the world key of the object the URL names; None: a page of one's own
    get: frozenset | None = NOBODY  # who may GET an in-scope object; None: the view refuses GET (405)
    post: frozenset | None = None  # who may POST; None: the view refuses POST (405)
    get_ok: frozenset = frozenset({200})
    post_ok: frozenset = frozenset({302})
    data: Callable | None = None  # side → POST data
    changes: bool = False  # the admin's in-scope POST with ``data`` writes
    args: Callable | None = None  # side → URL kwargs (default: {"pk": side[target].pk})
    query: Callable | None = None  # side → GET parameters that name the object instead of the path
    public: bool = False  # no login needed; everyone is treated alike
    scoped: bool = True  # False: a global object (rating templates, requirements): no "outside"
    # (role, scope, method) → the answer where the rule does not apply, for a reason given in ``note``.
    special: dict = field(default_factory=dict)
    # (role, scope, method) → why the view's answer today is wrong: a bug, kept as a strict xfail.
    bugs: dict = field(default_factory=dict)
    note: str = ""

    @property
    def has_object(self) -> bool:
        return self.target is not None or self.query is not None


def _file(name="签到表.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


CASES = [
    # ------------------------------------------------------------------ accounts and home
    Case("home", get=ALL, get_ok=frozenset({302}), post=ALL, note="each role lands on its own page"),
    Case(
        "login",
        get=ALL,
        get_ok=frozenset({302}),
        post=ALL,
        post_ok=frozenset({302}),
        public=True,
        special={("anonymous", "in", "get"): frozenset({200}), ("anonymous", "in", "post"): frozenset({200})},
        note="a logged-in user is sent home; the anonymous form is public (an empty POST: the form again)",
    ),
    Case("logout", get=None, post=ALL, note="Django's LogoutView takes POST only"),
    Case(
        "password_change",
        get=ALL,
        post=ALL,
        post_ok=READ,
        data=lambda o: {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    ),
    Case("password_change_done", get=ALL),
    # ------------------------------------------------------------------ branches
    Case("branches:tree", get=ALL, post=ALL, post_ok=READ, query=lambda o: {"root": o["branch"].pk}),
    Case("branches:org_detail", "branch", get=ALL, post=ALL, post_ok=READ),
    Case(
        "branches:org_edit",
        "branch",
        get=STAFF,
        post=STAFF,
        changes=True,
        data=lambda o: {
            "name": o["branch"].name + "（改）",
            "short_name": "",
            "kind": "branch",
            "sector": "village",
            "code": o["branch"].code,
            "founded_on": "",
            "address": "新址",
        },
    ),
    Case(
        "branches:org_create",
        "branch",
        get=STAFF,
        post=STAFF,
        changes=True,
        data=lambda o: {
            "name": "新党小组",
            "kind": "party_group",
            "sector": "village",
            "code": o["branch"].code + "G9",
        },
    ),
    Case(
        "branches:org_dissolve",
        "branch2",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"on": day(), "reason": "撤并", "confirm": "on"},
    ),
    Case(
        "branches:org_move",
        "branch2",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"new_parent": o["county"].pk, "confirm": "on"},
        special={("reviewer", "in", "post"): READ, ("reviewer", "near", "post"): READ},
        note="the county is above the reviewer's subtree: not a choice on the reviewer's form (its error)",
    ),
    Case(
        "branches:term_open",
        "branch",
        get=STAFF,
        post=STAFF,
        changes=True,
        data=lambda o: {"number": 2, "elected_on": day(-1), "length_years": 5},
    ),
    Case(
        "branches:term_adjust",
        "term",
        get=STAFF,
        post=STAFF,
        changes=True,
        data=lambda o: {
            "expires_on": "2029-06-30",
            "adjustment_doc_no": "镇委〔2026〕1号",
            "adjustment_approved_on": day(-1),
        },
    ),
    Case(
        "branches:terms_due",
        get=REVIEW,
        post=REVIEW,
        post_ok=READ,
        query=lambda o: {"root": o["committee"].pk},
    ),
    Case("branches:notices", get=ALL, post=ALL, post_ok=READ),
    Case("branches:notices_read", get=None, post=ALL, note="marks the user's own notices"),
    # ------------------------------------------------------------------ members: roster
    Case("members:roster", "branch", get=STAFF, post=STAFF, post_ok=READ),
    Case(
        "members:create",
        "branch",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {
            "name": "新党员",
            "gender": "male",
            "ethnicity": "汉族",
            "birth_date": "1990-01-01",
            "id_number": make_id_number("330102", dt.date(1990, 1, 1), 11),
            "education": "",
            "phone": "",
            "work_unit": "",
            "post": "",
            "dues_category": "employed",
            "stage": "applicant",
            "applied_on": "2025-01-01",
        },
    ),
    Case("members:overview", "committee", get=REVIEW, post=REVIEW, post_ok=READ),
    Case(
        "members:appointment_add",
        "branch",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"member": o["full"][2].pk, "position": "organisation", "appointed_on": day(-1)},
    ),
    Case("members:appointment_end", "appointment", get=None, post=RECORD, changes=True),
    Case("members:detail", "member", get=ALL, post=ALL, post_ok=READ, note="a member reads the own record"),
    Case(
        "members:edit",
        "member",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {
            "name": o["member"].name,
            "gender": "male",
            "ethnicity": "汉族",
            "birth_date": "1985-06-15",
            "id_number": o["member"].id_number,
            "education": "",
            "phone": "13900000000",
            "work_unit": "新单位",
            "post": "",
            "dues_category": "employed",
        },
    ),
    Case(
        "members:leave",
        "member",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"kind": "deceased", "on": day(), "reason": "病故", "confirm": "on"},
    ),
    # ------------------------------------------------------------------ members: pipeline, transfers
    Case("members:pipeline", "branch", get=STAFF, post=STAFF, post_ok=READ),
    Case(
        "members:stage_advance",
        "activist",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"to_stage": "candidate", "on": day(), "document": "支委会", "note": ""},
    ),
    Case(
        "members:probation_extend",
        "probationary",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"months": 6, "on": day(), "document": "支部大会决议", "note": "延长"},
    ),
    Case("members:transfers", "branch", get=STAFF, post=STAFF, post_ok=READ),
    Case(
        "members:transfer_in",
        "branch",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {
            "external_organisation": "外县党支部",
            "letter_no": "转字9",
            "on": day(),
            "name": "转入者",
            "gender": "female",
            "ethnicity": "汉族",
            "birth_date": "1990-02-03",
            "id_number": make_id_number("330102", dt.date(1990, 2, 3), 12),
            "education": "",
            "phone": "",
            "work_unit": "",
            "post": "",
            "dues_category": "employed",
            "stage": "full",
            "admitted_on": "2015-07-01",
            "admission_doc_no": "",
            "confirmed_on": "2016-07-01",
            "confirmation_doc_no": "",
        },
    ),
    Case("members:flags", "branch", get=STAFF, post=STAFF, post_ok=READ),
    Case(
        "members:transfer_out",
        "member",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {
            "kind": "external",
            "external-external_organisation": "外省党支部",
            "external-letter_no": "转字7",
            "external-on": day(),
        },
    ),
    Case(
        "members:mobility",
        "member",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {
            "action": "status",
            "is_mobile": "on",
            "mobile_destination": "浙江省杭州市",
            "mobile_since": day(-200),
            "last_report_on": day(-10),
        },
    ),
    Case(
        "members:transfer_decide",
        "transfer_in",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"decision": "accept", "accept-on": day()},
    ),
    Case(
        "members:transfer_withdraw",
        "transfer_out",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"on": day(), "reason": "填错了", "confirm": "on"},
    ),
    # ------------------------------------------------------------------ members: dues
    Case(
        "members:dues_month",
        "branch",
        get=STAFF,
        post=RECORD,
        changes=True,
        data=lambda o: {
            "paid_on": day(),
            **{f"paid-{m.pk}": "on" for m in o["full"]},
            **{f"amount-{m.pk}": "5.00" for m in o["full"]},
        },
    ),
    Case("members:dues_arrears", "branch", get=STAFF),
    Case("members:dues_register", "branch", get=STAFF),
    Case("members:dues_register_xlsx", "branch", get=STAFF),
    Case(
        "members:dues_bases",
        "branch",
        get=STAFF,
        post=RECORD,
        changes=True,
        data=lambda o: {
            **{f"category-{m.pk}": "employed" for m in o["full"]},
            **{f"base-{m.pk}": "5000" for m in o["full"]},
        },
    ),
    Case("members:dues_amount", get=ALL, query=None),
    Case(
        "members:remittances",
        "branch",
        get=STAFF,
        post=RECORD,
        changes=True,
        data=lambda o: {
            "month_from": f"{today().year}-01",
            "month_to": f"{today().year}-01",
            "total": "12.00",
            "voucher_no": "单据1",
            "remitted_on": day(),
        },
    ),
    # ------------------------------------------------------------------ members: import, export
    Case("members:import_template", get=ALL),
    Case(
        "members:import_upload",
        "branch",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"file": _roster_file()},
    ),
    Case("members:import_detail", "import", get=RECORD, post=RECORD, post_ok=READ),
    Case("members:import_confirm", "import", get=None, post=RECORD, changes=True),
    Case(
        "members:import_status",
        "import",
        get=RECORD,
        get_ok=frozenset({302}),
        note="not running: to the report",
    ),
    Case("members:import_errors_xlsx", "import_invalid", get=RECORD),
    Case("members:export_xlsx", "branch", get=STAFF, note="masked for the reviewer"),
    # ------------------------------------------------------------------ meetings
    Case("meetings:list", "branch", get=STAFF),
    Case(
        "meetings:record",
        "branch",
        get=RECORD,
        post=RECORD,
        changes=True,
        query=lambda o: {"kind": "theme_day"},
        data=lambda o: {
            "day": day(-1),
            "roster_day": day(-1),
            "starts_at": "09:00",
            "topic": "学习党章",
            "action": "save",
        },
    ),
    Case("meetings:detail", "meeting", get=STAFF),
    Case(
        "meetings:edit",
        "meeting_draft",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {
            "day": day(-2),
            "roster_day": day(-2),
            "starts_at": "09:00",
            "topic": "改过的主题",
            "action": "save",
        },
    ),
    Case("meetings:submit", "meeting_draft", get=None, post=RECORD, changes=True),
    Case(
        "meetings:return",
        "meeting",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"reason": "出席情况不全"},
    ),
    Case(
        "meetings:cancel",
        "meeting",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"reason": "重复录入"},
    ),
    Case(
        "meetings:attach",
        "meeting",
        get=None,
        post=RECORD,
        changes=True,
        data=lambda o: {"kind": "photo", "file": _file("照片.pdf")},
    ),
    Case("meetings:attachment", "attachment", get=STAFF),
    Case(
        "meetings:resolution_add",
        "meeting",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"kind": "other", "title": "通过学习计划", "yes": 6, "no": 0, "abstain": 0},
    ),
    Case(
        "meetings:exclusion_add",
        "meeting",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"member": o["full"][3].pk, "reason": "长期病休", "approval": "镇委同意"},
    ),
    Case("meetings:calendar", "branch", get=STAFF),
    Case(
        "meetings:cell",
        "branch",
        get=STAFF,
        args=lambda o: {
            "pk": o["branch"].pk,
            "requirement_pk": o["requirement"].pk,
            "start": o["cell_start"],
        },
    ),
    Case("meetings:refresh", "branch", get=None, post=STAFF, changes=True, note="recomputes compliance"),
    Case("meetings:requirements", "branch", get=STAFF),
    Case("meetings:overrides", get=ADMIN),
    Case(
        "meetings:override_add",
        "requirement",
        get=ADMIN,
        post=ADMIN,
        scoped=False,
        changes=True,
        args=lambda o: {"req_pk": o["requirement"].pk},
        data=lambda o: {
            "organisation_code": o["branch2"].code,
            "effective_from": day(),
            "applies": "on",
            "period": o["requirement"].period,
            "min_count": 1,
            "reason": "试点",
        },
    ),
    Case("meetings:override_delete", "override", get=None, post=ADMIN, changes=True),
    Case("meetings:talks", "branch", get=STAFF),
    Case(
        "meetings:talk_add",
        "branch",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {
            "member_a": o["full"][0].pk,
            "member_b": o["full"][1].pk,
            "on": day(),
            "occasion": "regular",
            "note": "",
        },
    ),
    Case(
        "meetings:appraisals",
        "branch",
        get=STAFF,
        post=RECORD,
        changes=True,
        data=lambda o: {f"result_{m.pk}": "qualified" for m in o["full"][:5]},
    ),
    Case("meetings:my_attendance", get=OWN, note="a page of one's own member record; others have none"),
    Case("meetings:review_list", "committee", get=REVIEW),
    # ------------------------------------------------------------------ meetings: elections
    Case("meetings:election_list", "branch", get=STAFF),
    Case(
        "meetings:election_start",
        "branch",
        get=RECORD,
        get_ok=frozenset({302}),
        post=RECORD,
        note="the branch has an open election: its page",
    ),
    Case("meetings:election_detail", "election", get=STAFF),
    Case(
        "meetings:election_edit",
        "election",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"seats": 3, "candidates": [m.pk for m in o["full"][:4]], "note": "改"},
    ),
    Case(
        "meetings:election_request",
        "election",
        get=None,
        post=RECORD,
        changes=True,
        data=lambda o: {"doc_no": "支〔2026〕1号"},
    ),
    Case(
        "meetings:election_approve",
        "election_requested",
        get=None,
        post=REVIEW,
        changes=True,
        data=lambda o: {"doc_no": "镇委〔2026〕9号", "seats": 3},
    ),
    Case(
        "meetings:election_return",
        "election_requested",
        get=None,
        post=REVIEW,
        changes=True,
        data=lambda o: {"reason": "候选人不足"},
    ),
    Case(
        "meetings:election_meeting",
        "election",
        get=None,
        post=RECORD,
        note="stage steps of an approved election: the draft's stage refuses the allowed POST",
    ),
    Case("meetings:election_round", "election", get=None, post=RECORD),
    Case("meetings:election_reduce", "election", get=None, post=RECORD),
    Case("meetings:election_report", "election", get=None, post=RECORD),
    Case(
        "meetings:election_confirm",
        "election_reported",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        post_ok=READ,
        data=lambda o: {"doc_no": "镇委〔2026〕10号"},
    ),
    Case(
        "meetings:election_cancel",
        "election",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"reason": "暂缓换届"},
    ),
    Case("meetings:election_result_pdf", "election_done", get=STAFF),
    # ------------------------------------------------------------------ assessment: ratings
    Case("assessment:rating_list", "branch", get=STAFF),
    Case(
        "assessment:rating_start",
        "branch",
        get=None,
        post=RECORD,
        changes=True,
        data=lambda o: {"year": 2021},
    ),
    Case("assessment:rating_detail", "rating", get=STAFF),
    Case(
        "assessment:rating_self",
        "rating",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"report": "述职要点（改）"},
    ),
    Case("assessment:rating_refresh", "rating", get=None, post=RECORD, changes=True),
    Case(
        "assessment:rating_evidence",
        "rating",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"item": o["evidence_item"], "file": _file("佐证.pdf")},
    ),
    Case("assessment:evidence_download", "evidence", get=STAFF),
    Case(
        "assessment:rating_submit",
        "rating",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"note": "请审核"},
    ),
    Case(
        "assessment:score_set",
        "rating_review",
        get=None,
        post=REVIEW,
        changes=True,
        data=lambda o: {"item": o["score_item"], "points": "1", "note": "核减"},
    ),
    Case(
        "assessment:veto_mark",
        "rating_review",
        get=None,
        post=REVIEW,
        changes=True,
        data=lambda o: {"veto": o["veto_item"], "note": "记录造假"},
    ),
    Case(
        "assessment:veto_clear",
        "rating_review",
        get=None,
        post=REVIEW,
        changes=True,
        data=lambda o: {"veto": o["veto_marked"], "note": "经核实不属实"},
    ),
    Case(
        "assessment:rating_return",
        "rating_review",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"note": "佐证不足"},
    ),
    Case(
        "assessment:rating_publish",
        "rating_review",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"starts_on": day(), "ends_on": day(6), "note": ""},
    ),
    Case(
        "assessment:notice_close",
        "rating_notice",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"note": "公示无异议"},
    ),
    Case(
        "assessment:rating_recheck",
        "rating_recheck",
        get=ADMIN,
        post=ADMIN,
        changes=True,
        data=lambda o: {"stars": 5, "note": "属实", "starts_on": day(), "ends_on": day(6)},
    ),
    Case(
        "assessment:rating_name",
        "rating_to_name",
        get=ADMIN,
        post=ADMIN,
        changes=True,
        data=lambda o: {"stars": 4, "named_on": day(), "naming_doc": "县组〔2026〕2号", "note": ""},
    ),
    Case("assessment:template_list", get=ADMIN),
    Case("assessment:template_activate", "template_draft", get=None, post=ADMIN, scoped=False, changes=True),
    Case(
        "assessment:template_copy",
        "template",
        get=None,
        post=ADMIN,
        scoped=False,
        changes=True,
        data=lambda o: {"year": today().year + 1},
    ),
    # ------------------------------------------------------------------ assessment: rectification, sites
    Case("assessment:case_list", "branch", get=STAFF),
    Case(
        "assessment:case_add",
        "branch2",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"code": o["branch2"].code, "reason": "软弱涣散", "opened_on": day()},
    ),
    Case("assessment:case_detail", "case", get=STAFF),
    Case(
        "assessment:item_add",
        "case",
        get=STAFF,
        post=STAFF,
        changes=True,
        data=lambda o: {
            "problem": "组织生活不规范",
            "measure": "按月开展",
            "owner": "王五",
            "deadline": day(30),
        },
    ),
    Case(
        "assessment:item_done",
        "item",
        get=RECORD,
        post=RECORD,
        changes=True,
        data=lambda o: {"note": "已整改", "evidence": _file("整改.pdf")},
    ),
    Case(
        "assessment:item_verify",
        "item_done",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"note": "属实", "confirm": "on"},
    ),
    Case(
        "assessment:item_reopen",
        "item_done",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"note": "未到位"},
    ),
    Case("assessment:item_evidence", "item_done", get=STAFF),
    Case("assessment:site_list", "branch", get=STAFF),
    Case(
        "assessment:site_check",
        "site",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"on": day(), "result": "pass", "note": "抽查合格"},
    ),
    Case(
        "assessment:site_exit",
        "site",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"on": day(), "reason": "不再符合条件", "confirm": "on"},
    ),
    # ------------------------------------------------------------------ assessment: publicity, acceptance
    Case("assessment:objection_list", "branch", get=REVIEW),
    Case("assessment:publicity_list", "branch", get=REVIEW),
    Case(
        "assessment:objection_handle",
        "objection",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"handling": "经核实，材料属实", "status": "resolved"},
    ),
    Case("assessment:acceptance_list", "branch", get=STAFF),
    Case(
        "assessment:acceptance_apply",
        "branch",
        get=RECORD,
        post=RECORD,
        post_ok=READ,
        data=lambda o: {"year": today().year - 3, "application": "已逐项自查达标"},
    ),
    Case("assessment:acceptance_detail", "acceptance", get=STAFF),
    Case(
        "assessment:acceptance_check",
        "acceptance",
        get=None,
        post=REVIEW,
        changes=True,
        data=lambda o: {"check-passed": "yes", "check-note": ""},
    ),
    Case(
        "assessment:acceptance_accept",
        "acceptance_checked",
        get=None,
        post=ADMIN,
        changes=True,
        data=lambda o: {"accept-passed": "yes", "accept-note": ""},
    ),
    Case(
        "assessment:spot_draw",
        "committee",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"year": today().year, "seed": 7},
    ),
    Case("assessment:spot_draw_detail", "draw", get=REVIEW),
    Case(
        "assessment:spot_check_record",
        "spot_check",
        get=REVIEW,
        post=REVIEW,
        changes=True,
        data=lambda o: {"result": "pass", "checked_on": day(), "note": "合格"},
    ),
    Case("assessment:dashboard", "committee", get=REVIEW),
    Case("assessment:weakest_export", "committee", get=REVIEW),
    # ------------------------------------------------------------------ the public board
    Case("board:board", "branch", get=ALL, public=True, args=lambda o: {"code": o["branch"].code}),
    Case(
        "board:objection",
        "publicity",
        get=ALL,
        post=ALL,
        public=True,
        changes=True,
        args=lambda o: {"code": o["branch"].code, "pk": o["publicity"].pk},
        data=lambda o: {"text": "公示材料与实际不符", "name": "", "phone": ""},
    ),
    Case(
        "board:objection_thanks",
        "objection",
        get=ALL,
        public=True,
        args=lambda o: {"code": o["branch"].code, "token": o["thanks_token"]},
    ),
    # ------------------------------------------------------------------ archives
    Case("archives:home", get=STAFF, get_ok=frozenset({302}), note="to the user's own ledger list"),
    Case(
        "archives:ledger_list",
        "branch",
        get=STAFF,
        post=STAFF,
        changes=True,
        data=lambda o: {"year": today().year - 1, "format": "xlsx"},
    ),
    Case("archives:ledger_detail", "ledger", get=STAFF),
    Case("archives:ledger_status", "ledger", get=STAFF, get_ok=frozenset({302}), note="done: to the ledger"),
    Case("archives:ledger_download", "ledger", get=STAFF),
    Case("archives:document_list", "branch", get=STAFF),
    Case(
        "archives:document_upload",
        "branch",
        get=STAFF,
        post=STAFF,
        changes=True,
        data=lambda o: {
            "year": today().year,
            "category": o["category"],
            "title": "支委会记录",
            "tags": "",
            "file": _file("记录.pdf"),
        },
    ),
    Case("archives:document_detail", "document", get=STAFF),
    Case("archives:document_download", "document", get=STAFF),
    Case(
        "archives:document_delete",
        "document",
        get=ADMIN,
        post=ADMIN,
        changes=True,
        data=lambda o: {"reason": "重复上传", "confirm": "on"},
    ),
    # ------------------------------------------------------------------ audit trail
    Case(
        "audit:history",
        "meeting",
        get=REVIEW,
        args=lambda o: {"kind": "meeting", "pk": o["meeting"].pk},
        note="修改记录 of a meeting; the other kinds are checked in tests/audit/test_history_views.py",
    ),
]


def _roster_file():
    from tests.members.test_import_support import person, upload_file, workbook_bytes

    return upload_file(workbook_bytes([person(7)]))


BY_NAME = {case.name: case for case in CASES}
assert len(BY_NAME) == len(CASES), "a URL name has two cases"
