from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from shequn.web import audit, edit, export, members, views
from shequn.web.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/<int:group_id>/report/", views.group_report, name="group_report"),
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
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]
