from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from shequn.web import (
    admission,
    audit,
    columns,
    digest,
    edit,
    export,
    favicon,
    jielong,
    meetups,
    member_import,
    members,
    merge,
    notes,
    rules,
    shop,
    shop_import,
    staff,
    surveys,
    tier_suggestion,
    ties,
    views,
    xlsx,
)
from shequn.web.api import api
from shequn.web.elimination import (
    elimination_readmit_view,
    elimination_run_view,
    elimination_view,
)
from shequn.web.funnel import funnel_view
from shequn.web.growth import (
    growth_code_view,
    growth_flag_view,
    growth_scan_view,
    growth_view,
)
from shequn.web.matching import (
    group_matching_accept_view,
    group_matching_introduce_view,
    group_matching_view,
    person_matching_optout_view,
    person_matching_view,
)
from shequn.web.moderation import moderation_undo_view, moderation_view
from shequn.web.presence import group_presence_send_view, group_presence_view
from shequn.web.rewards import reward_rule_view, rewards_run_view, rewards_view

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/<int:group_id>/report/", views.group_report, name="group_report"),
    path("groups/<int:group_id>/", views.group_view, name="group"),
    path("groups/<int:group_id>/messages/", views.group_messages, name="group_messages"),
    path("groups/<int:group_id>/digest/", digest.digest_view, name="group_digest"),
    path("groups/<int:group_id>/essence/", digest.essence_mark_view, name="group_essence"),
    path("groups/<int:group_id>/rules/", rules.rules_view, name="group_rules"),
    path("groups/<int:group_id>/rules/<slug:rule>/", rules.rule_view, name="group_rule"),
    path("communities/<int:community_id>/staff/", staff.staff_view, name="community_staff"),
    path(
        "communities/<int:community_id>/staff/<int:staff_id>/",
        staff.staff_role_view,
        name="staff_role",
    ),
    path("invite/<uidb64>/<token>/", staff.accept_invite_view, name="staff_accept"),
    path(
        "communities/<int:community_id>/members/",
        members.member_list_view,
        name="member_list",
    ),
    path(
        "communities/<int:community_id>/members.csv",
        export.member_export_view,
        name="member_export",
    ),
    path("communities/<int:community_id>/audit/", audit.audit_log_view, name="audit_log"),
    path("members/<int:person_id>/", members.person_view, name="person"),
    path("members/<int:person_id>/edit/", edit.person_edit_view, name="person_edit"),
    path(
        "members/<int:person_id>/tier/",
        tier_suggestion.tier_suggestion_view,
        name="person_tier_suggestion",
    ),
    path(
        "members/<int:person_id>/tier/accept/",
        tier_suggestion.tier_accept_view,
        name="person_tier_accept",
    ),
    # Member archive: xlsx export, import, merge, ties, notes (群友档案).
    path(
        "communities/<int:community_id>/members.xlsx",
        xlsx.member_export_xlsx_view,
        name="member_export_xlsx",
    ),
    path(
        "communities/<int:community_id>/members/import/",
        member_import.member_import_view,
        name="member_import",
    ),
    path(
        "communities/<int:community_id>/members/import/apply/",
        member_import.member_import_apply_view,
        name="member_import_apply",
    ),
    path("members/<int:person_id>/merge/", merge.person_merge_view, name="person_merge"),
    path("merges/<int:merge_id>/undo/", merge.merge_undo_view, name="merge_undo"),
    path("members/<int:person_id>/ties/", ties.tie_add_view, name="person_tie_add"),
    path(
        "members/<int:person_id>/ties/<int:link_id>/delete/",
        ties.tie_delete_view,
        name="person_tie_delete",
    ),
    path(
        "members/<int:person_id>/ties/inferred/",
        ties.inferred_ties_view,
        name="person_ties_inferred",
    ),
    path("members/<int:person_id>/records/", notes.record_add_view, name="person_record_add"),
    # Dynamic elimination (动态淘汰): dry-run preview, run a sweep, readmit.
    path("groups/<int:group_id>/elimination/", elimination_view, name="group_elimination"),
    path(
        "groups/<int:group_id>/elimination/run/",
        elimination_run_view,
        name="group_elimination_run",
    ),
    path(
        "groups/<int:group_id>/elimination/readmit/",
        elimination_readmit_view,
        name="group_elimination_readmit",
    ),
    # Moderation (广告管理): the review queue, with one-click undo.
    path("groups/<int:group_id>/moderation/", moderation_view, name="group_moderation"),
    path(
        "groups/<int:group_id>/moderation/undo/",
        moderation_undo_view,
        name="group_moderation_undo",
    ),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("favicon.ico", favicon.favicon_view, name="favicon"),
    # Columns (栏目): per group, per column, its queue; the group page's engagement section.
    path("groups/<int:group_id>/columns/", columns.group_columns_view, name="group_columns"),
    path(
        "groups/<int:group_id>/columns/engagement/",
        columns.group_columns_engagement_view,
        name="group_columns_engagement",
    ),
    path("columns/<int:column_id>/", columns.column_view, name="column"),
    path("columns/<int:column_id>/queue/", columns.column_queue_view, name="column_queue"),
    # Follow-up surveys (回访): per group, the newcomer survey switch, one survey (send, responses).
    path("groups/<int:group_id>/surveys/", surveys.group_surveys_view, name="group_surveys"),
    path(
        "groups/<int:group_id>/surveys/newcomers/",
        surveys.group_surveys_newcomers_view,
        name="group_surveys_newcomers",
    ),
    path("surveys/<int:survey_id>/", surveys.survey_view, name="survey"),
    # Admission thresholds (门槛): the queue, operators' decisions, invite codes.
    path("groups/<int:group_id>/admission/", admission.admission_view, name="group_admission"),
    path(
        "groups/<int:group_id>/admission/decide/",
        admission.admission_decide_view,
        name="admission_decide",
    ),
    path(
        "groups/<int:group_id>/admission/codes/",
        admission.invite_code_create_view,
        name="invite_code_create",
    ),
    # Resource matching (资源对接): questions routed, matches, introductions; a member's profile.
    path("groups/<int:group_id>/matching/", group_matching_view, name="group_matching"),
    path(
        "groups/<int:group_id>/matching/introduce/",
        group_matching_introduce_view,
        name="group_matching_introduce",
    ),
    path(
        "groups/<int:group_id>/matching/accept/",
        group_matching_accept_view,
        name="group_matching_accept",
    ),
    path("members/<int:person_id>/matching/", person_matching_view, name="person_matching"),
    path(
        "members/<int:person_id>/matching/opt-out/",
        person_matching_optout_view,
        name="person_matching_optout",
    ),
    # Growth (裂变): referral tree, fission quality, fraud review list, invite codes and posters.
    path("communities/<int:community_id>/growth/", growth_view, name="community_growth"),
    path(
        "communities/<int:community_id>/growth/codes/",
        growth_code_view,
        name="growth_code_create",
    ),
    path("communities/<int:community_id>/growth/scan/", growth_scan_view, name="growth_scan"),
    path(
        "communities/<int:community_id>/growth/flags/",
        growth_flag_view,
        name="growth_flag_review",
    ),
    path("api/", api.urls),
    # Meetups (线下活动): per group, and one meetup with its sign-ups and attendance.
    path("groups/<int:group_id>/meetups/", meetups.group_meetups_view, name="group_meetups"),
    path("meetups/<int:meetup_id>/", meetups.meetup_view, name="meetup"),
    # 接龙 (jielong): per group, one chain, its exports.
    path("groups/<int:group_id>/jielong/", jielong.group_jielong_view, name="group_jielong"),
    path("jielong/<int:chain_id>/", jielong.jielong_view, name="jielong"),
    path("jielong/<int:chain_id>.csv", jielong.jielong_csv_view, name="jielong_csv"),
    path("jielong/<int:chain_id>.xlsx", jielong.jielong_xlsx_view, name="jielong_xlsx"),
    # Presence for the silent (沉默成员): the group page's section and its send button.
    path("groups/<int:group_id>/presence/", group_presence_view, name="group_presence"),
    path(
        "groups/<int:group_id>/presence/send/",
        group_presence_send_view,
        name="group_presence_send",
    ),
    # Offers and orders (商品与订单): offers, orders, one order, order import (web/shop*.py).
    path("communities/<int:community_id>/offers/", shop.offers_view, name="shop_offers"),
    path("offers/<int:offer_id>/", shop.offer_view, name="shop_offer"),
    path("communities/<int:community_id>/orders/", shop.orders_view, name="shop_orders"),
    path("orders/<int:order_id>/", shop.order_view, name="shop_order"),
    path(
        "communities/<int:community_id>/orders/import/",
        shop_import.order_import_view,
        name="shop_order_import",
    ),
    path(
        "communities/<int:community_id>/orders/import/apply/",
        shop_import.order_import_apply_view,
        name="shop_order_import_apply",
    ),
    # Funnel (转化漏斗) and reward rules (奖励规则), per community (web/funnel.py, web/rewards.py).
    path("communities/<int:community_id>/funnel/", funnel_view, name="community_funnel"),
    path("communities/<int:community_id>/rewards/", rewards_view, name="community_rewards"),
    path(
        "communities/<int:community_id>/rewards/run/",
        rewards_run_view,
        name="community_rewards_run",
    ),
    path("rewards/<int:rule_id>/", reward_rule_view, name="reward_rule"),
]
