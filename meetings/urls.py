from .views import compliance, meetings, requirements, review, talks, votes

app_name = "meetings"

urlpatterns = [*meetings.urls, *votes.urls, *compliance.urls, *requirements.urls, *talks.urls, *review.urls]
