import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Refuse to start without a secret key rather than fail on the first request.
try:
    settings.SECRET_KEY  # noqa: B018 - Django raises ImproperlyConfigured when it is empty
except ImproperlyConfigured as error:
    raise ImproperlyConfigured("SECRET_KEY 未设置：生产环境必须通过环境变量提供 SECRET_KEY。") from error
