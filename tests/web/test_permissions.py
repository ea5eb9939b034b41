"""The console's permission matrix: every page URL, every kind of user, the status each gets.

Users: alice (owner of community A), bob (operator of community B only), carol (no
role), dan (viewer of A), and an anonymous visitor. Every URL is filled in with
community A's objects, so alice and dan are the insiders, bob and carol outsiders.
Outsiders get 404 (they learn nothing, not even that the object exists), insiders
whose role lacks the power get 403, anonymous visitors are sent to sign in (302).
POSTs carry no data: the matrix checks who gets through, not what the form does
(every page's own tests do that).

The matrix is keyed by URL name; ``test_every_url_is_in_the_matrix`` fails when a
page URL is added without an entry here (the API has its own matrix in test_api.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from shequn.chat.ingest import ingest
from shequn.community.actions import add_link, get_or_create_community, grant_staff
from shequn.community.merge import merge_persons
from shequn.community.models import Account, Group, Link, Staff
from tests.store.factories import T0, joined, message
from tests.web.test_columns_kit import column_for_matrix
from tests.web.test_csp import fill, patterns
from tests.web.test_jielong_kit import chain_for_matrix
from tests.web.test_meetups_kit import meetup_for_matrix
from tests.web.test_rewards_kit import reward_rule_for_matrix
from tests.web.test_shop_kit import shop_for_matrix
from tests.web.test_surveys_kit import survey_for_matrix

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

USERS = ("alice", "bob", "carol", "dan", "anonymous")
PUBLIC = {"login", "logout", "set_language", "staff_accept", "favicon"}  # no sign-in needed


def build() -> dict[str, Any]:
    """Community A (group g1: u1 invites u2, u3; a tie u1–u2; u4 merged into u3), B (gb: b1)."""
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    events = [joined(1, "u1"), joined(2, "u2", inviter="u1"), joined(3, "u3"), joined(4, "u4")]
    events += [message(5, who="u1"), message(6, who="u2"), message(7, who="u4")]
    ingest(events, a)
    ingest([message(1, who="b1", group="gb")], b)
    person = {e: Account.objects.get(external_id=e).person for e in ("u1", "u2", "u3", "u4")}
    add_link(person["u1"], person["u2"], "met_offline", "operator", T0)
    merge = merge_persons(person["u3"], person["u4"], user=None, by="test")
    for name, community, role in [
        ("alice", a, "owner"),
        ("bob", b, "operator"),
        ("dan", a, "viewer"),
    ]:
        grant_staff(User.objects.create_user(name), community, role, by="test")
    User.objects.create_user("carol")
    invited = User.objects.create_user("newcomer")  # invited, no password yet
    grant_staff(invited, a, "viewer", by="test")
    return {
        "community_id": a.pk,
        "group_id": Group.objects.get(external_id="g1").pk,
        "person_id": person["u1"].pk,
        "link_id": Link.objects.get().pk,
        "merge_id": merge.pk,
        "staff_id": Staff.objects.get(user=invited).pk,
        "uidb64": urlsafe_base64_encode(force_bytes(invited.pk)),
        "token": default_token_generator.make_token(invited),
        "rule": "welcome",
        "column_id": column_for_matrix(Group.objects.get(external_id="g1")),
        "survey_id": survey_for_matrix(Group.objects.get(external_id="g1")),
        "meetup_id": meetup_for_matrix(Group.objects.get(external_id="g1")),
        **shop_for_matrix(person["u1"]),
        "chain_id": chain_for_matrix(Group.objects.get(external_id="g1")),
        "rule_id": reward_rule_for_matrix(a),
    }


READ_A = (200, 404, 404, 200, 302)  # any role in A reads
WRITE_A = (302, 404, 404, 403, 302)  # a write that redirects when done; viewers may not
FORM_A = (400, 404, 404, 403, 302)  # a write whose empty form is refused as invalid
NO_GET = (405, 405, 405, 405, 302)  # POST only (anonymous visitors are sent to sign in first)
# name: {method: statuses for alice, bob, carol, dan, anonymous}
MATRIX: dict[str, dict[str, tuple[int, ...]]] = {
    "home": {"get": (200, 200, 200, 200, 302)},
    "login": {"get": (200,) * 5},
    "logout": {"get": (405,) * 5, "post": (302,) * 5},
    "set_language": {"post": (302,) * 5},
    "favicon": {"get": (301,) * 5, "post": (405,) * 5},
    "group": {"get": READ_A, "post": (405, 405, 405, 405, 302)},
    "group_messages": {"get": READ_A},
    # A group's rules: any role reads; operators and owners save (an empty form is invalid).
    "group_rules": {"get": READ_A},
    "group_rule": {"get": READ_A, "post": FORM_A},
    "group_digest": {"get": READ_A},
    "group_essence": {"get": NO_GET, "post": FORM_A},
    "group_report": {"get": READ_A},
    "audit_log": {"get": READ_A},
    "member_list": {"get": READ_A},
    "member_export": {"get": READ_A},
    "member_export_xlsx": {"get": READ_A},
    "member_import": {"get": (200, 404, 404, 403, 302), "post": FORM_A},
    "member_import_apply": {"get": NO_GET, "post": FORM_A},
    "person": {"get": READ_A},
    "person_edit": {"get": NO_GET, "post": WRITE_A},
    "person_tier_accept": {"get": NO_GET, "post": FORM_A},
    "person_tier_suggestion": {"get": READ_A},
    "person_merge": {"get": (400, 404, 404, 403, 302), "post": FORM_A},
    "merge_undo": {"get": NO_GET, "post": WRITE_A},
    "person_record_add": {"get": NO_GET, "post": FORM_A},
    "person_tie_add": {"get": NO_GET, "post": FORM_A},
    "person_tie_delete": {"get": NO_GET, "post": WRITE_A},
    "person_ties_inferred": {"get": READ_A},
    # Dynamic elimination: any role reads the preview; operators and owners run and readmit.
    "group_elimination": {"get": READ_A},
    "group_elimination_run": {"get": NO_GET, "post": WRITE_A},
    "group_elimination_readmit": {"get": NO_GET, "post": FORM_A},
    # Moderation review queue: any role reads; operators and owners undo.
    "group_moderation": {"get": READ_A},
    "group_moderation_undo": {"get": NO_GET, "post": FORM_A},
    # Admission queue: any role reads; operators and owners decide and create invite codes.
    "group_admission": {"get": READ_A, "post": (405, 405, 405, 405, 302)},
    "admission_decide": {"get": NO_GET, "post": FORM_A},
    "invite_code_create": {"get": NO_GET, "post": FORM_A},
    # Staff: owners only (viewers of A get 403, outsiders 404).
    "community_staff": {"get": (200, 404, 404, 403, 302), "post": FORM_A},
    "staff_role": {"get": NO_GET, "post": WRITE_A},
    # The invitation link is for someone not signed in yet: it moves the token into the
    # session and redirects to the set-password form, whoever opens it.
    "staff_accept": {"get": (302,) * 5},
    # Growth (裂变): any role reads; editors create invite codes, operators review fraud flags.
    "community_growth": {"get": READ_A},
    "growth_code_create": {"get": NO_GET, "post": FORM_A},
    "growth_scan": {"get": NO_GET, "post": WRITE_A},
    "growth_flag_review": {"get": NO_GET, "post": FORM_A},
    # Columns: everyone in A reads; operators and owners edit (viewers 403).
    "group_columns": {"get": READ_A, "post": FORM_A},
    "group_columns_engagement": {"get": READ_A},
    "group_presence": {"get": READ_A},
    "group_presence_send": {"get": NO_GET, "post": FORM_A},
    "column": {"get": READ_A, "post": FORM_A},
    "column_queue": {"get": NO_GET, "post": FORM_A},
    # Surveys (回访): everyone in A reads; operators and owners create, send, switch on newcomers.
    "group_surveys": {"get": READ_A, "post": FORM_A},
    "group_surveys_newcomers": {"get": NO_GET, "post": WRITE_A},
    "survey": {"get": READ_A, "post": FORM_A},
    # Meetups: everyone in A reads; operators and owners edit (viewers 403).
    "group_meetups": {"get": READ_A, "post": FORM_A},
    "meetup": {"get": READ_A, "post": FORM_A},
    # Resource matching: everyone in A reads; assistants up introduce; operators up opt members out.
    "group_matching": {"get": READ_A},
    "group_matching_introduce": {"get": NO_GET, "post": FORM_A},
    "group_matching_accept": {"get": NO_GET, "post": FORM_A},
    "person_matching": {"get": READ_A},
    "person_matching_optout": {"get": NO_GET, "post": FORM_A},
    # Offers and orders: everyone in A reads; operators and owners edit and import.
    "shop_offers": {"get": READ_A, "post": FORM_A},
    "shop_offer": {"get": READ_A, "post": FORM_A},
    "shop_orders": {"get": READ_A, "post": FORM_A},
    "shop_order": {"get": READ_A, "post": FORM_A},
    "shop_order_import": {"get": (200, 404, 404, 403, 302), "post": FORM_A},
    "shop_order_import_apply": {"get": NO_GET, "post": FORM_A},
    # 接龙: everyone in A reads and exports; those who may post in the group (greet) start one.
    "group_jielong": {"get": READ_A, "post": FORM_A},
    "jielong": {"get": READ_A},
    "jielong_csv": {"get": READ_A},
    "jielong_xlsx": {"get": READ_A},
    # Funnel and reward rules: everyone in A reads; operators and owners change rules, run a sweep.
    "community_funnel": {"get": READ_A},
    "community_rewards": {"get": READ_A, "post": FORM_A},
    "community_rewards_run": {"get": NO_GET, "post": WRITE_A},
    "reward_rule": {"get": READ_A, "post": FORM_A},
}


def page_urls() -> dict[str, str]:
    return {name: route for route, name in patterns() if not route.startswith("api")}


def test_every_url_is_in_the_matrix() -> None:
    missing = sorted(set(page_urls()) - set(MATRIX))
    assert missing == [], f"add these URL names to MATRIX: {missing}"
    assert sorted(set(MATRIX) - set(page_urls())) == []


def cases() -> list[Any]:
    return [
        pytest.param(name, method, id=f"{name}-{method}")
        for name, methods in sorted(MATRIX.items())
        for method in methods
    ]


@pytest.mark.parametrize(("name", "method"), cases())
def test_permission_matrix(name: str, method: str) -> None:
    url = fill(page_urls()[name], build())
    assert url is not None, f"{name}: a URL parameter build() does not provide"
    got, wanted = {}, {}
    # alice last: an insider's POST may change what the URL points at.
    for who in ("anonymous", "carol", "bob", "dan", "alice"):
        client = Client()
        if who != "anonymous":
            client.force_login(User.objects.get(username=who))
        response = getattr(client, method)(url)
        got[who], wanted[who] = response.status_code, MATRIX[name][method][USERS.index(who)]
        if who == "anonymous" and wanted[who] == 302 and name not in PUBLIC:
            assert response["Location"].startswith("/login/"), f"{url}: not sent to sign in"
    assert got == wanted, f"{method.upper()} {url}"
