from .views import compliance, elections, meetings, requirements, review, talks, votes

app_name = "meetings"

urlpatterns = [
    *meetings.urls,
    *votes.urls,
    *compliance.urls,
    *requirements.urls,
    *talks.urls,
    *review.urls,
    *elections.urls,
]
