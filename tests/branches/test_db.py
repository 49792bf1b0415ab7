"""Names sort by pinyin on PostgreSQL (ICU collation)."""

import pytest
from django.db import connection

from branches.db import pinyin
from branches.models import Organisation
from tests.factories import make_org


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pinyin collation is PostgreSQL's ICU")
@pytest.mark.django_db
def test_pinyin_order():
    root = make_org(name="阿")
    for name in ["张村", "李村", "王村", "安村"]:
        make_org(root, name=name)
    names = list(
        Organisation.objects.filter(parent=root).order_by(pinyin("name")).values_list("name", flat=True)
    )
    assert names == ["安村", "李村", "王村", "张村"]
