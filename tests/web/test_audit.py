"""The audit log page: who may read it, order, filters, paging and escaping."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.community.actions import audit, update_person
from shequn.community.models import Community
from tests.web.test_edit import EVIL, build_world, client_for, person

pytestmark = [pytest.mark.django_db, pytest.mark.store]


@pytest.fixture
def world() -> dict[str, Community]:
    return build_world()


def audit_url(community: Community, query: str = "") -> str:
    return f"/communities/{community.pk}/audit/{query}"


@pytest.mark.parametrize("username", ["alice", "dan", "erin"])
def test_every_role_reads_it(world: dict[str, Community], username: str) -> None:
    response = client_for(username).get(audit_url(world["A"]))
    assert response.status_code == 200
    assert "审计日志" in response.content.decode()


def test_outsiders_get_404(world: dict[str, Community]) -> None:
    assert client_for("bob").get(audit_url(world["A"])).status_code == 404
    assert client_for("carol").get(audit_url(world["A"])).status_code == 404
    response = Client().get(audit_url(world["A"]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_newest_first_filters_and_paging(world: dict[str, Community]) -> None:
    a = world["A"]
    alice = User.objects.get(username="alice")
    for n in range(55):
        audit(a, "test.bulk", user=alice, target=f"t{n:02d}")
    update_person(person("u1"), by="test", user=alice, city="杭州")
    client = client_for("dan")
    html = client.get(audit_url(a)).content.decode()
    assert html.index("person.update") < html.index("t54") < html.index("t53")
    assert "t00" not in html  # beyond the first 50
    assert "t00" in client.get(audit_url(a, "?page=2")).content.decode()
    only_updates = client.get(audit_url(a, "?action=person.update")).content.decode()
    assert "test.bulk" not in re.sub(r"<option[^>]*>[^<]*</option>", "", only_updates)
    assert "[&quot;city&quot;]" in only_updates
    by_alice = client.get(audit_url(a, f"?user={alice.pk}")).content.decode()
    assert "staff.grant" not in re.sub(r"<option[^>]*>[^<]*</option>", "", by_alice)
    assert "t54" in by_alice


@pytest.mark.django_db(transaction=True)  # the overview reads reports on a 2nd connection
def test_home_links_to_audit_log(world: dict[str, Community]) -> None:
    html = client_for("alice").get("/").content.decode()
    assert f'href="{audit_url(world["A"])}"' in html


def test_reason_and_details_are_escaped(world: dict[str, Community]) -> None:
    audit(world["A"], "test.evil", rule="r1", reason=EVIL, details={"note": EVIL})
    html = client_for("alice").get(audit_url(world["A"])).content.decode()
    assert EVIL not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2
