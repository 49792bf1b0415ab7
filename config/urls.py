from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from branches import views as branch_views

admin.site.site_header = "支部通 · 系统管理"
admin.site.site_title = "支部通"

urlpatterns = [
    path("", branch_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("branches.urls")),
    path("members/", include("members.urls")),
    path("meetings/", include("meetings.urls")),
    path("assessment/", include("assessment.urls")),
    path("archives/", include("archives.urls")),
    path("audit/", include("audit.urls")),
    path("gongshi/", include("assessment.public_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
