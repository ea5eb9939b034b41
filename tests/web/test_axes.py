"""Sign-in rate limiting (django-axes): five failures lock a username from one address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.store]

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def alice() -> User:
    return User.objects.create_user("alice", password=PASSWORD)


def attempt(password: str, ip: str = "10.0.0.1", username: str = "alice", lang: str = "zh-hans"):  # type: ignore[no-untyped-def]
    client = Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=lang)
    response = client.post("/login/", {"username": username, "password": password, "next": "/"})
    return client, response


def fail(times: int, **kwargs: str) -> None:
    for _ in range(times):
        attempt("wrong password", **kwargs)


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_the_limit_is_five_failures_for_fifteen_minutes() -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


def test_four_failures_then_the_right_password_works() -> None:
    fail(4)
    client, response = attempt(PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_fifth_failure_locks_even_the_right_password_out() -> None:
    fail(4)
    _, fifth = attempt("wrong password")
    assert fifth.status_code == 429
    client, response = attempt(PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    html = response.content.decode()
    assert 'id="locked"' in html and "15 分钟" in html and "Traceback" not in html
    assert 'name="username"' in html  # still the sign-in page, not an error page


def test_lock_message_in_english() -> None:
    fail(5)
    _, response = attempt(PASSWORD, lang="en")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "15 minutes" in response.content.decode()


def test_lock_is_per_username_and_address() -> None:
    User.objects.create_user("bob", password=PASSWORD)
    fail(5)
    other_address, response = attempt(PASSWORD, ip="10.0.0.2")
    assert response.status_code == 302 and signed_in(other_address)
    other_user, response = attempt(PASSWORD, username="bob")
    assert response.status_code == 302 and signed_in(other_user)


def test_lock_ends_after_the_cool_off() -> None:
    fail(5)
    assert attempt(PASSWORD)[1].status_code == 429
    earlier = timezone.now() - timedelta(minutes=16)
    AccessAttempt.objects.update(attempt_time=earlier)
    client, response = attempt(PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_success_resets_the_count() -> None:
    fail(4)
    assert attempt(PASSWORD)[1].status_code == 302
    fail(4)
    assert attempt(PASSWORD)[1].status_code == 302  # not locked: the count began again


def test_test_clients_login_and_force_login_keep_working() -> None:
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    assert signed_in(client)
    assert not Client().login(username="alice", password="wrong password")
    forced = Client()
    forced.force_login(User.objects.get(username="alice"))
    assert signed_in(forced)
