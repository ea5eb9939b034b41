"""Generated requests over the API's own OpenAPI document (schemathesis + hypothesis).

For every operation the spec lists, requests that fit the schema and requests
that do not, sent to the Django app in-process (WSGI):

- with alice's token (owner of community A) none may end in a server error;
- with carol's token (a user with no role anywhere) no community-scoped
  operation may succeed: it is 404 (or 403), or 400/422 for a request the schema
  rejects, and never 2xx; the list of communities is empty for her. (A 401 is
  accepted only where the generated case replaced the Authorization header.)

Path ids are drawn from the real objects of A and B as well as at random, so
the requests reach the views' real work, not only their 404s. Deterministic
(``derandomize``) and bounded (``max_examples``) so it runs in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from shequn.chat.ingest import ingest
from shequn.community.actions import (
    add_link,
    create_api_token,
    get_or_create_community,
    grant_staff,
    update_person,
)
from shequn.community.models import Account, Group, Person
from shequn.events import Event
from tests.store.factories import T0, joined, message

# The report view reads the store through its own connection: rows must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

EXAMPLES = 25
REPORT_EXAMPLES = 8  # each one computes a health report
EVIL_NICK = "<img src=x onerror=alert(1)>"
EVIL_TEXT = "<script>alert(1)</script>"
NOT_SCOPED = {"GET /api/communities"}  # lists only what the caller may see


def person(external_id: str) -> Person:
    return Account.objects.get(external_id=external_id).person


@pytest.fixture
def world() -> dict[str, Any]:
    """Community A (g1, g2; u1 ties u2; markup in a nickname and a message) and B (gb).

    alice owns A, bob operates B, carol has no role; ``ids`` holds the real
    objects of both communities by path parameter name.
    """
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    events: list[Event] = [joined(1, "u1"), joined(2, "u2", inviter="u1"), joined(3, "u9")]
    events += [message(10 + i, who=f"u{1 + i % 3}") for i in range(30)]
    events += [message(50, who="u2", text=EVIL_TEXT), message(51, who="u3", group="g2")]
    ingest(events, a)
    ingest([joined(1, "b1", group="gb"), message(1, who="b1", group="gb")], b)
    update_person(person("u9"), by="test", display_name=EVIL_NICK)
    update_person(person("u1"), by="test", tier="big", tags=["投资人"])
    add_link(person("u1"), person("u2"), "met_offline", "operator", T0)
    grant_staff(User.objects.create_user("alice"), a, "owner", by="test")
    grant_staff(User.objects.create_user("bob"), b, "operator", by="test")
    User.objects.create_user("carol")
    ids = {
        "community_id": [a.pk, b.pk],
        "group_id": list(Group.objects.order_by("pk").values_list("pk", flat=True)),
        "person_id": list(Person.objects.order_by("pk").values_list("pk", flat=True)),
    }
    ids["other_id"] = ids["person_id"]  # the other end of a tie
    ids["name"] = ["welcome", "moderation"]  # type: ignore[list-item]  # rule names (rules API)
    tokens = {
        name: create_api_token(User.objects.get(username=name)) for name in ("alice", "carol")
    }
    return {"ids": ids, "tokens": tokens}


#: Operations whose success needs ids of real rows in the body (tests/web/test_matching.py).
BODY_NAMES_ROWS = {"POST /api/groups/{group_id}/introductions"}


def operations() -> list[Any]:
    """Every operation of the API's OpenAPI document, served by the app itself."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
    found = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(found) >= 9, [op.label for op in found]
    return found


def cases(operation: Any, ids: dict[str, list[int]]) -> st.SearchStrategy[Any]:
    """Valid and invalid requests; path ids real (of A or B) half of the time."""
    names = [p.name for p in operation.path_parameters]
    real = st.fixed_dictionaries({n: st.sampled_from(ids[n]) for n in names if n in ids})
    return st.one_of(
        real.flatmap(lambda fixed: operation.as_strategy(path_parameters=fixed)),
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )


def fuzz(
    operation: Any, ids: dict[str, list[int]], token: str, check: Callable[[Any, Any], None]
) -> None:
    """Send generated cases of one operation with the user's token; ``check(case, response)``."""
    examples = REPORT_EXAMPLES if operation.path.endswith("/report") else EXAMPLES

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases(operation, ids))
    def run(case: Any) -> None:
        check(case, case.call(headers={"Authorization": f"Bearer {token}"}))

    run()


def repro(case: Any, response: Any) -> str:
    return f"{case.operation.label} → {response.status_code}: {case.as_curl_command()}"


def test_owner_never_gets_a_server_error(world: dict[str, Any]) -> None:
    seen: dict[str, set[int]] = {}

    def check(case: Any, response: Any) -> None:
        seen.setdefault(case.operation.label, set()).add(response.status_code)
        assert response.status_code < 500, repro(case, response)

    for operation in operations():
        fuzz(operation, world["ids"], world["tokens"]["alice"], check)
    # The generated requests reached the views' real work, not only errors (save where the
    # body must name real rows, which a generator cannot guess: their own tests do that).
    reached = {label for label, statuses in seen.items() if 200 in statuses}
    assert reached | BODY_NAMES_ROWS == set(seen) | BODY_NAMES_ROWS, seen


def test_no_role_means_no_data(world: dict[str, Any]) -> None:
    bearer = f"Bearer {world['tokens']['carol']}"

    def check(case: Any, response: Any) -> None:
        status = response.status_code
        if status == 401:  # only when the generated case mangled the Authorization header
            assert response.request.headers.get("Authorization") != bearer, repro(case, response)
        elif case.operation.label in NOT_SCOPED:
            assert status == 422 or response.json() == [], repro(case, response)
        else:
            assert status in {400, 403, 404, 422}, repro(case, response)

    for operation in operations():
        fuzz(operation, world["ids"], world["tokens"]["carol"], check)
