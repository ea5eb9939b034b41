from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from shequn.web import (
    audit,
    edit,
    export,
    member_import,
    members,
    merge,
    notes,
    staff,
    ties,
    views,
    xlsx,
)
from shequn.web.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/<int:group_id>/report/", views.group_report, name="group_report"),
    path("groups/<int:group_id>/", views.group_view, name="group"),
    path("groups/<int:group_id>/messages/", views.group_messages, name="group_messages"),
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
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]
