from .views import acceptance, dashboard, publicity, ratings, rectification, reviews, sites, templates

app_name = "assessment"

urlpatterns = [
    *ratings.urls,
    *reviews.urls,
    *templates.urls,
    *rectification.urls,
    *sites.urls,
    *publicity.urls,
    *acceptance.urls,
    *dashboard.urls,
]
