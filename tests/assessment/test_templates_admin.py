"""星级评定标准 page (admins only): the weight check, 启用 refused with the reasons, 复制为下一年度;
and the Django admin registrations."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessment.models import RatingTemplate, TemplateStatus
from assessment.services.templates import template_copy
from tests.assessment.conftest import YEAR


def url(name, *args):
    return reverse(f"assessment:{name}", args=args)


@pytest.mark.parametrize("who", ["secretary", "reviewer", "outsider"])
def test_only_admins_see_the_templates(request, login, defaults, who):
    client = login(request.getfixturevalue(who))
    assert client.get(url("template_list")).status_code == 404
    assert client.post(url("template_activate", defaults.pk)).status_code == 404
    assert client.post(url("template_copy", defaults.pk)).status_code == 404


def test_anonymous_is_sent_to_login(client, defaults):
    response = client.get(url("template_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_year_s_template_with_items_thresholds_vetoes_and_weight_check(login, admin_user, defaults):
    response = login(admin_user).get(url("template_list"), {"year": YEAR})
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "班子建设",
        "作用发挥",
        "“三会一课”按要求召开",
        "组织生活达标率",
        "不低于：100→12分",
        "权重校验通过",
        "弄虚作假",
    ):
        assert text in page, text
    assert 'data-testid="activate"' not in page  # already active


def test_copy_makes_next_year_s_draft_once(login, admin_user, defaults):
    client = login(admin_user)
    response = client.post(url("template_copy", defaults.pk))
    assert response.status_code == 302 and response["Location"].endswith(f"?year={YEAR + 1}")
    copy = RatingTemplate.objects.get(year=YEAR + 1)
    assert copy.status == TemplateStatus.DRAFT and copy.name == defaults.name
    assert [(i.title, i.max_points, i.mapping) for i in copy.items.all()] == [
        (i.title, i.max_points, i.mapping) for i in defaults.items.all()
    ]
    assert {t.stars: t.min_score for t in copy.thresholds.all()} == {
        t.stars: t.min_score for t in defaults.thresholds.all()
    }
    assert sorted(copy.vetoes.values_list("title", "max_stars")) == sorted(
        defaults.vetoes.values_list("title", "max_stars")
    )
    again = client.post(url("template_copy", defaults.pk), follow=True)
    assert "已有同名草稿" in again.content.decode()
    assert RatingTemplate.objects.filter(year=YEAR + 1).count() == 1


def test_activation_is_refused_with_the_reasons(login, admin_user, defaults):
    draft = template_copy(template=defaults)
    draft.items.filter(item_type="appraisal").update(max_points=D("40"))
    client = login(admin_user)
    page = client.get(url("template_list"), {"year": YEAR + 1}).content.decode()
    assert "权重校验未通过" in page and 'data-testid="activate"' in page
    response = client.post(url("template_activate", draft.pk), follow=True)
    assert "不能启用：" in response.content.decode() and "不得超过30%" in response.content.decode()
    assert RatingTemplate.objects.get(pk=draft.pk).status == TemplateStatus.DRAFT


def test_activation_retires_the_year_s_active_template(login, admin_user, defaults):
    first = template_copy(template=defaults)
    client = login(admin_user)
    assert client.post(url("template_activate", first.pk)).status_code == 302
    assert RatingTemplate.objects.get(pk=first.pk).status == TemplateStatus.ACTIVE
    other = RatingTemplate.objects.create(year=YEAR + 1, name="另一版本")
    other_items = [(i.dimension, i.item_type, i.title, i.max_points) for i in first.items.all()]
    for order, (dimension, kind, title, points) in enumerate(other_items):
        other.items.create(dimension=dimension, item_type=kind, title=title, max_points=points, order=order)
    for t in first.thresholds.all():
        other.thresholds.create(stars=t.stars, min_score=t.min_score)
    client.post(url("template_activate", other.pk))
    assert RatingTemplate.objects.get(pk=other.pk).status == TemplateStatus.ACTIVE
    assert RatingTemplate.objects.get(pk=first.pk).status == TemplateStatus.RETIRED


def test_unknown_template_is_404(login, admin_user, defaults):
    assert login(admin_user).post(url("template_activate", 999999)).status_code == 404


def test_the_django_admin_pages_open(login, admin_user, rating, tree):
    r = rating(tree["branch"], stage="review")
    client = login(admin_user)
    for target in (
        reverse("admin:assessment_ratingtemplate_changelist"),
        reverse("admin:assessment_ratingtemplate_change", args=[r.template_id]),
        reverse("admin:assessment_rating_changelist"),
        reverse("admin:assessment_rating_change", args=[r.pk]),
        reverse("admin:assessment_publicity_changelist"),
        reverse("admin:assessment_rectificationcase_changelist"),
        reverse("admin:assessment_acceptancepolicy_changelist"),
    ):
        assert client.get(target).status_code == 200, target
    # Status is set on the portal page (it checks the weights), not here.
    page = client.get(
        reverse("admin:assessment_ratingtemplate_change", args=[r.template_id])
    ).content.decode()
    assert 'name="status"' not in page
    # A template in use keeps its items: no inline inputs to change them.
    assert 'name="items-0-max_points"' not in page
