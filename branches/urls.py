from django.urls import path

from . import views

app_name = "branches"

urlpatterns = [
    path("orgs/", views.tree, name="tree"),
    path("orgs/<int:pk>/", views.organisation_detail, name="org_detail"),
    path("orgs/<int:pk>/edit/", views.organisation_edit, name="org_edit"),
    path("orgs/<int:pk>/new/", views.organisation_create, name="org_create"),
    path("orgs/<int:pk>/dissolve/", views.organisation_dissolve, name="org_dissolve"),
    path("orgs/<int:pk>/move/", views.organisation_move, name="org_move"),
    path("orgs/<int:pk>/terms/new/", views.term_open, name="term_open"),
    path("terms/<int:pk>/adjust/", views.term_adjust, name="term_adjust"),
    path("terms/due/", views.terms_due, name="terms_due"),
    path("notices/", views.notices, name="notices"),
    path("notices/read/", views.notices_read, name="notices_read"),
]
