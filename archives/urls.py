"""Archives: annual ledgers (年度台账) and the document boxes (三本五盒)."""

from django.urls import path

from .views import documents, ledgers

app_name = "archives"

urlpatterns = [
    path("", ledgers.archive_home, name="home"),
    path("org/<int:pk>/ledgers/", ledgers.ledger_list, name="ledger_list"),
    path("ledgers/<int:pk>/", ledgers.ledger_detail, name="ledger_detail"),
    path("ledgers/<int:pk>/status/", ledgers.ledger_status, name="ledger_status"),
    path("ledgers/<int:pk>/download/", ledgers.ledger_download, name="ledger_download"),
    path("org/<int:pk>/documents/", documents.document_list, name="document_list"),
    path("org/<int:pk>/documents/upload/", documents.document_upload, name="document_upload"),
    path("documents/<int:pk>/", documents.document_detail, name="document_detail"),
    path("documents/<int:pk>/download/", documents.document_download, name="document_download"),
    path("documents/<int:pk>/delete/", documents.document_delete, name="document_delete"),
]
