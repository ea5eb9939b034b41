"""The surveys pages per role: operators create and send; viewers read; outsiders 404.

World (``test_edit.build_world``): community A (g1 with u1, u2); alice owns A, dan
views A, bob operates B; frank is added here as operator of A.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from shequn.community.actions import grant_staff
from shequn.community.models import Account, AuditLog, Group
from shequn.playbook.models import Job, Survey, SurveyResponse
from tests.web.test_edit import EVIL, build_world, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.store]

GOOD = {
    "title": "线下活动回访",
    "questions": "选择: 活动怎么样？ | 很好 | 一般\nscale: 打几分\ntext: 建议",
}


@pytest.fixture
def group() -> Group:
    world = build_world()
    grant_staff(User.objects.create_user("frank"), world["A"], "operator", by="test")
    return Group.objects.get(external_id="g1")


def test_operator_creates_and_sends_a_survey(group: Group) -> None:
    response = client_for("frank").post(f"/groups/{group.pk}/surveys/", GOOD)
    survey = Survey.objects.get(title="线下活动回访")
    assert response.status_code == 302 and response["Location"] == f"/surveys/{survey.pk}/"
    assert [q["kind"] for q in survey.questions] == ["choice", "scale", "text"]
    u1 = Account.objects.get(external_id="u1")
    sent = client_for("frank").post(f"/surveys/{survey.pk}/", {"members": [str(u1.pk)]})
    assert sent.status_code == 302
    job = Job.objects.get(kind="survey_send")
    assert job.payload == {"survey": survey.pk, "accounts": [u1.pk]}
    planned = AuditLog.objects.get(action="survey.plan")
    assert planned.user is not None and planned.user.username == "frank"
    page = client_for("frank").get(f"/surveys/{survey.pk}/").content.decode()
    assert "已安排发送" in page


def test_bad_questions_come_back_on_their_field(group: Group) -> None:
    bad = {"title": "回访", "questions": "scale: 好\nwhat: 坏"}
    response = client_for("frank").post(f"/groups/{group.pk}/surveys/", bad)
    assert response.status_code == 400
    assert "line 2" in response.content.decode() and not Survey.objects.exists()
    nobody = client_for("frank").post(f"/surveys/{_survey(group).pk}/", {"members": ["999999"]})
    assert nobody.status_code == 400 and not Job.objects.filter(kind="survey_send").exists()


def _survey(group: Group) -> Survey:
    client_for("frank").post(f"/groups/{group.pk}/surveys/", GOOD)
    return Survey.objects.get(title="线下活动回访")


def test_viewer_reads_the_summary_escaped_but_cannot_send(group: Group) -> None:
    survey = _survey(group)
    u1, u2 = (Account.objects.get(external_id=e) for e in ("u1", "u2"))
    SurveyResponse.objects.create(
        survey=survey, account=u1, via="direct", sent_at=survey.created_at,
        answers=["很好", 4, EVIL], state=SurveyResponse.State.DONE,
    )  # fmt: skip
    SurveyResponse.objects.create(
        survey=survey, account=u2, via="group", sent_at=survey.created_at, answers=["一般", 2]
    )
    page = client_for("dan").get(f"/surveys/{survey.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "平均: 3.00" in html  # mean of 4 and 2
    assert 'id="send-form"' not in html
    assert (
        client_for("dan").post(f"/surveys/{survey.pk}/", {"members": [str(u1.pk)]}).status_code
        == 403
    )
    assert client_for("bob").get(f"/surveys/{survey.pk}/").status_code == 404
    assert (
        f'href="/groups/{group.pk}/surveys/"'
        in client_for("dan").get(f"/groups/{group.pk}/").content.decode()
    )
    listing = client_for("dan").get(f"/groups/{group.pk}/surveys/").content.decode()
    assert "线下活动回访" in listing and 'id="survey-form"' not in listing


def test_operator_switches_on_the_newcomer_survey(group: Group) -> None:
    response = client_for("frank").post(f"/groups/{group.pk}/surveys/newcomers/")
    assert response.status_code == 302
    assert Job.objects.filter(kind="survey_newcomers", state=Job.State.PENDING).count() == 1
    client_for("frank").post(f"/groups/{group.pk}/surveys/newcomers/")  # twice: one job
    assert Job.objects.filter(kind="survey_newcomers", state=Job.State.PENDING).count() == 1
    assert Survey.objects.get(kind=Survey.Kind.NEWCOMER).title == "新人回访"
    page = client_for("dan").get(f"/groups/{group.pk}/surveys/").content.decode()
    assert "新人回访" in page and "加入 7 天后" in page
    assert client_for("dan").post(f"/groups/{group.pk}/surveys/newcomers/").status_code == 403
