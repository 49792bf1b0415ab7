"""Login protection: 5 wrong passwords lock (username, address) for 15 minutes; sessions expire; strong passwords.

Logins go through the real login page and django-axes' database records; time is moved by ageing the
recorded attempt, the way 15 minutes passing would leave it.
"""

import datetime as dt
import io

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from config.axes import client_ip
from tests.factories import UserFactory

PASSWORD = "pass12345"  # tests.factories.UserFactory's
LOGIN = reverse("login")


@pytest.fixture
def person(db):
    return UserFactory(username="zhangsan")


def post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail(client, username, times, **extra):
    return [post_login(client, username, "wrong-password", **extra) for _ in range(times)]


def logged_in_as(client) -> str | None:
    """Who the client's session belongs to, as the portal sees it (None: sent to the login page)."""
    response = client.get(reverse("password_change"))
    if response.status_code != 200:
        return None
    return response.wsgi_request.user.username


def age_attempts(username, minutes, seconds=0):
    """Move the recorded failures back in time, as if that much time had passed since the last one."""
    when = timezone.now() - dt.timedelta(minutes=minutes, seconds=seconds)
    return AccessAttempt.objects.filter(username=username).update(attempt_time=when)


def test_the_settings_are_five_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert dt.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "config.axes.LoginAttemptsBackend"


def test_four_failures_then_the_right_password_logs_in(client, person):
    for response in fail(client, "zhangsan", 4):
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    assert AccessAttempt.objects.get(username="zhangsan").failures_since_start == 4
    response = post_login(client, "zhangsan", PASSWORD)
    assert response.status_code == 302
    assert logged_in_as(client) == "zhangsan"
    # A successful login clears the count.
    assert not AccessAttempt.objects.filter(username="zhangsan").exists()


def test_five_failures_lock_out_even_the_right_password(client, person):
    responses = fail(client, "zhangsan", 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    page = responses[-1].content.decode()
    assert "登录已暂时锁定" in page and "15 分钟" in page and "系统管理员" in page
    response = post_login(client, "zhangsan", PASSWORD)
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    assert logged_in_as(client) is None


def test_the_lock_lifts_after_fifteen_minutes(client, person):
    fail(client, "zhangsan", 5)
    age_attempts("zhangsan", minutes=14, seconds=50)
    assert post_login(client, "zhangsan", PASSWORD).status_code == 429
    age_attempts("zhangsan", minutes=15, seconds=1)
    response = post_login(client, "zhangsan", PASSWORD)
    assert response.status_code == 302
    assert logged_in_as(client) == "zhangsan"


def test_attempts_during_the_lock_do_not_restart_it(client, person):
    """The page says 15 minutes; retrying (even with the right password) does not make it longer."""
    fail(client, "zhangsan", 5)
    locked_at = AccessAttempt.objects.get(username="zhangsan").attempt_time
    assert post_login(client, "zhangsan", PASSWORD).status_code == 429
    assert fail(client, "zhangsan", 1)[0].status_code == 429
    attempt = AccessAttempt.objects.get(username="zhangsan")
    assert attempt.attempt_time == locked_at
    assert attempt.failures_since_start == 5


def test_a_success_resets_the_count(client, person):
    fail(client, "zhangsan", 4)
    assert post_login(client, "zhangsan", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    fail(client, "zhangsan", 4)
    assert post_login(client, "zhangsan", PASSWORD).status_code == 302
    assert logged_in_as(client) == "zhangsan"


def test_the_lock_holds_one_username_from_one_address(person):
    UserFactory(username="lisi")
    office = Client(REMOTE_ADDR="10.1.1.7")
    fail(office, "zhangsan", 5)
    assert post_login(office, "zhangsan", PASSWORD).status_code == 429
    # A colleague behind the same office address still logs in …
    colleague = Client(REMOTE_ADDR="10.1.1.7")
    assert post_login(colleague, "lisi", PASSWORD).status_code == 302
    # … and so does the same person from another address.
    home = Client(REMOTE_ADDR="10.2.2.9")
    assert post_login(home, "zhangsan", PASSWORD).status_code == 302


def test_the_password_is_not_stored_with_the_failure(client, person):
    post_login(client, "zhangsan", "my-Secret-guess-42")
    attempt = AccessAttempt.objects.get(username="zhangsan")
    assert "my-Secret-guess-42" not in attempt.post_data


def test_an_admin_unlocks_with_the_reset_command(client, person):
    fail(client, "zhangsan", 5)
    assert post_login(client, "zhangsan", PASSWORD).status_code == 429
    out = io.StringIO()
    call_command("axes_reset_username", "zhangsan", stdout=out)
    assert "1 attempts removed" in out.getvalue()
    assert post_login(client, "zhangsan", PASSWORD).status_code == 302


def test_an_admin_sees_and_unlocks_in_the_admin(client, person, admin_user):
    fail(Client(), "zhangsan", 5)
    attempt = AccessAttempt.objects.get(username="zhangsan")
    client.force_login(admin_user)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "zhangsan" in listing.content.decode()
    response = client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert post_login(Client(), "zhangsan", PASSWORD).status_code == 302


def test_the_admin_login_is_protected_too(client, admin_user):
    url = reverse("admin:login")
    for _ in range(5):
        response = client.post(url, {"username": "admin", "password": "wrong-password", "next": "/admin/"})
    assert response.status_code == 429
    response = client.post(url, {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 429


def test_logins_made_by_code_need_no_request_and_are_not_counted(person):
    """Client.login() and authenticate() without a request (tests, a freshly issued password)."""
    assert authenticate(username="zhangsan", password=PASSWORD) == person
    assert authenticate(username="zhangsan", password="wrong-password") is None
    client = Client()
    assert client.login(username="zhangsan", password=PASSWORD)
    assert logged_in_as(client) == "zhangsan"
    assert not AccessAttempt.objects.exists()


def test_a_login_over_http_is_logged(client, person):
    post_login(client, "zhangsan", PASSWORD, REMOTE_ADDR="10.3.3.3")
    log = AccessLog.objects.get(username="zhangsan")
    assert log.ip_address == "10.3.3.3"


# --- The client's address behind reverse proxies ------------------------------------------------


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post(LOGIN, **extra)


def test_without_proxies_the_address_is_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("192.0.2.1", "198.51.100.7")) == "192.0.2.1"


def test_behind_proxies_the_address_is_the_one_the_first_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.1", "198.51.100.7")) == "198.51.100.7"
    # What the client put in the header itself stands further left and is ignored.
    assert client_ip(request_from("10.0.0.1", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.1")) == "198.51.100.7"


def test_a_short_or_forged_header_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("192.0.2.1", "198.51.100.7")) == "192.0.2.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("192.0.2.1", "not-an-address")) == "192.0.2.1"
    assert client_ip(request_from("192.0.2.1")) == "192.0.2.1"


def test_behind_a_load_balancer_people_are_locked_separately(settings, person):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    fail(attacker, "zhangsan", 5)
    assert post_login(attacker, "zhangsan", PASSWORD).status_code == 429
    owner = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert post_login(owner, "zhangsan", PASSWORD).status_code == 302


# --- Sessions -------------------------------------------------------------------------------------


def test_a_session_lasts_a_working_day_and_ends_with_the_browser(client, person):
    response = post_login(client, "zhangsan", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
    session = Session.objects.get(session_key=cookie.value)
    left = session.expire_date - timezone.now()
    assert dt.timedelta(hours=7, minutes=59) < left <= dt.timedelta(hours=8)


def test_an_expired_session_is_logged_out(client, person):
    post_login(client, "zhangsan", PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert logged_in_as(client) == "zhangsan"
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_use_does_not_extend_the_session(client, person):
    """An absolute limit: eight hours after logging in, however busy the day."""
    post_login(client, "zhangsan", PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    before = Session.objects.get(session_key=key).expire_date
    for _ in range(3):
        assert client.get(reverse("password_change")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == before


# --- Passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Qs#2024", "密码太短：至少需要 8 个字符"),  # 7 characters
        ("password123", "太常见"),
        ("2024061512", "数字"),
        ("zhangsan2024", "相似"),
    ],
)
def test_weak_passwords_are_refused(person, password, message):
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refused:
            validate_password(password, user=person)
        messages = [str(text) for text in refused.value.messages]
    assert any(message in text for text in messages), messages


def test_eight_characters_of_no_pattern_are_accepted(person):
    validate_password("Qs#20x4k", user=person)


def test_changing_to_a_short_password_is_refused(client, person):
    client.force_login(person)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Qs#2024", "new_password2": "Qs#2024"},
    )
    assert response.status_code == 200
    assert "密码太短：至少需要 8 个字符" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_the_validators_are_on_with_at_least_eight_characters():
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "ChineseMinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] >= 8
