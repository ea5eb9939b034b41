"""A meetup's follow-up survey (回访): sent to the attendees only, once each, by operators.

World (``test_edit.build_world``): community A with group g1 and members u1, u2;
alice owns A, dan views A; frank is added here as operator of A.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from shequn.community.actions import grant_staff
from shequn.community.models import Account, Group
from shequn.playbook.meetups_actions import sign_up, take_attendance
from shequn.playbook.models import Job, Meetup, Survey
from shequn.playbook.models import MeetupSignup as Signup
from shequn.playbook.surveys import MEETUP_QUESTIONS
from shequn.playbook.surveys_actions import questions_of
from tests.web.test_edit import build_world, client_for
from tests.web.test_meetups_kit import meetup_for_matrix

pytestmark = [pytest.mark.django_db, pytest.mark.store]


@pytest.fixture
def meetup() -> Meetup:
    world = build_world()
    grant_staff(User.objects.create_user("frank"), world["A"], "operator", by="test")
    group = Group.objects.get(external_id="g1")
    found = Meetup.objects.get(pk=meetup_for_matrix(group))
    for who in ("u1", "u2"):
        sign_up(found, Account.objects.get(external_id=who), "", Signup.Via.CONSOLE, None, "t")
    return found


def _attended(meetup: Meetup, *who: str) -> None:
    ids = set(meetup.signups.filter(account__external_id__in=who).values_list("pk", flat=True))
    take_attendance(meetup, ids, None, "test")


def test_the_built_in_survey_goes_to_the_attendees_only(meetup: Meetup) -> None:
    frank, url = client_for("frank"), f"/meetups/{meetup.pk}/"
    assert "follow-up" not in frank.get(url).content.decode()  # nobody attended yet
    refused = frank.post(url, {"do": "survey"})
    assert refused.status_code == 400 and "take attendance first" in refused.content.decode()
    assert not Job.objects.filter(kind="survey_send").exists()

    _attended(meetup, "u1")
    assert 'id="follow-up"' in frank.get(url).content.decode()
    sent = frank.post(url, {"do": "survey"})
    survey = Survey.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/surveys/{survey.pk}/"
    assert survey.title == "活动回访：<b>读书会</b>" and questions_of(survey) == MEETUP_QUESTIONS
    job = Job.objects.get(kind="survey_send")
    assert job.payload["accounts"] == [Account.objects.get(external_id="u1").pk]

    frank.post(url, {"do": "survey"})  # again: the same survey, not a second one
    assert Survey.objects.count() == 1


def test_a_chosen_survey_of_the_group_and_nobody_elses(meetup: Meetup) -> None:
    _attended(meetup, "u1", "u2")
    own = Survey.objects.create(group=meetup.group, title="读书会反馈", questions=[])
    other = Group.objects.exclude(pk=meetup.group_id).first()
    frank, url = client_for("frank"), f"/meetups/{meetup.pk}/"
    assert frank.post(url, {"do": "survey", "survey": own.pk}).status_code == 302
    (job,) = Job.objects.filter(kind="survey_send")
    assert job.payload["survey"] == own.pk and len(job.payload["accounts"]) == 2
    if other is not None:
        theirs = Survey.objects.create(group=other, title="别的群", questions=[])
        assert frank.post(url, {"do": "survey", "survey": theirs.pk}).status_code == 404
    assert frank.post(url, {"do": "survey", "survey": "x"}).status_code == 400


def test_a_viewer_may_not_send_it(meetup: Meetup) -> None:
    _attended(meetup, "u1")
    dan, url = client_for("dan"), f"/meetups/{meetup.pk}/"
    assert 'id="follow-up"' not in dan.get(url).content.decode()
    assert dan.post(url, {"do": "survey"}).status_code == 403
    assert not Job.objects.filter(kind="survey_send").exists()
