"""The public notice board (公示栏): no login, its own namespace."""

from .views.publicity import public_urls

app_name = "board"

urlpatterns = [*public_urls]
