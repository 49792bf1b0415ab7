from .views import dues, imports, pipeline, roster, transfers

app_name = "members"

urlpatterns = [*roster.urls, *pipeline.urls, *transfers.urls, *dues.urls, *imports.urls]
