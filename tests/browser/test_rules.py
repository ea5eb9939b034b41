"""A group's rules in real Chromium: switch a rule to dry-run, see it in the audit log.

The form is saved in place through htmx; an invalid value shows its error next
to the field without leaving the page; a viewer sees the form read-only. Every
test ends with no dialog, no script error and no console error.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.harness import GROUP_NAME, PASSWORD, Session, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.store,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


def test_switch_a_rule_to_dry_run_and_see_it_in_the_audit_log(session: Session) -> None:
    page, world = session.page, session.world
    session.sign_in()
    page.goto(session.url(reverse("group", args=[world.group])))
    page.locator("#rules-link").click()
    page.wait_for_url(session.url(reverse("group_rules", args=[world.group])))
    row = page.locator("tr[data-rule='moderation']")
    assert row.locator(".status").inner_text() == "关闭"
    row.get_by_role("link", name="广告管理").click()
    page.wait_for_url(session.url(reverse("group_rule", args=[world.group, "moderation"])))
    form = page.locator("#rule-form")
    form.get_by_label("启用").check()
    form.get_by_label("试运行").check()
    form.get_by_role("button", name="保存").click()
    page.locator("#rule-form p.saved").wait_for()  # htmx swapped the form in place
    assert page.locator("#rule-form p.saved").inner_text() == "已保存。"
    assert page.locator("#rule-form").get_by_label("试运行").is_checked()
    page.goto(session.url(reverse("group_rules", args=[world.group])))
    assert page.locator("tr[data-rule='moderation'] .status").inner_text() == "试运行"
    page.goto(session.url(f"/communities/{world.community_a}/audit/"))
    cells = page.locator("table.audit tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:3] == ["alice", "rule.settings"]
    assert cells[4] == GROUP_NAME
    assert "dry_run: False → True" in cells[6] and "enabled: False → True" in cells[6]
    session.assert_clean()


def test_an_invalid_value_shows_its_error_in_place(session: Session) -> None:
    page, world = session.page, session.world
    session.sign_in()
    page.goto(session.url(reverse("group_rule", args=[world.group, "moderation"])))
    form = page.locator("#rule-form")
    form.get_by_label("信号权重").fill("link = 2\nspam = 1")
    form.get_by_role("button", name="保存").click()
    error = page.locator("#rule-weights-error")
    error.wait_for()
    assert error.inner_text().startswith("不被接受：unknown signal spam")
    assert form.get_by_label("信号权重").input_value() == "link = 2\nspam = 1"
    page.goto(session.url(reverse("group_rules", args=[world.group])))
    assert "默认设置" in page.locator("tr[data-rule='moderation']").inner_text()
    session.assert_clean()


def test_a_viewer_reads_the_form_but_cannot_save(session: Session) -> None:
    page, world = session.page, session.world
    session.sign_in("dan", PASSWORD)
    page.goto(session.url(reverse("group_rule", args=[world.group, "welcome"])))
    form = page.locator("#rule-form")
    assert form.get_by_label("启用").is_disabled()
    assert form.get_by_role("button", name="保存").count() == 0
    assert "你的角色可以查看规则，但不能修改。" in form.inner_text()
    session.assert_clean()
