"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register(deploy=True)
def secret_key_set(app_configs, **kwargs):
    try:
        settings.SECRET_KEY  # noqa: B018 - Django raises ImproperlyConfigured when it is empty
    except ImproperlyConfigured:
        return [
            Error(
                "SECRET_KEY 未设置：生产环境必须通过环境变量 SECRET_KEY 提供一个长随机串。",
                id="zhibutong.E001",
            )
        ]
    return []
