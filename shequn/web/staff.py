"""A community's staff: owners invite people, change their roles and remove them.

An invitation to someone without a password comes with a one-time set-password
link (Django's password-reset tokens: the token is a signature over the user's
password hash and last login, so it stops working once used). The link is shown
to the inviting owner once, in the response to the invitation, for them to send;
it is never stored or logged. Writes go through ``shequn.community.actions``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shequn.community import actions
from shequn.community.models import Community, Staff, StaffRole
from shequn.community.permissions import can
from shequn.web.views import community_of

LAST_OWNER = gettext_lazy("A community needs at least one owner: make someone else owner first.")


class InviteForm(forms.Form):
    who = forms.CharField(label=gettext_lazy("Username or email"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("Staff role"), choices=StaffRole.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Staff role"), choices=StaffRole.choices)


def owned_community(request: HttpRequest, community_id: int) -> Community:
    """The community, if the user may manage its staff: 404 to outsiders, 403 to other roles."""
    community = community_of(request, community_id)
    if not can(request.user, "invite_staff", community):
        raise PermissionDenied
    return community


def invite_link(request: HttpRequest, user: User) -> str:
    """An absolute one-time set-password link for ``user``."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("staff_accept", args=[uid, token]))


def staff_page(
    request: HttpRequest, community: Community, status: int = 200, **extra: Any
) -> HttpResponse:
    rows = Staff.objects.filter(community=community).select_related("user")
    context = {
        "community": community,
        "rows": rows.order_by("user__username"),
        "roles": StaffRole.choices,
        "form": extra.pop("form", None) or InviteForm(),
        **extra,
    }
    return render(request, "web/staff.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """The staff list with the invitation form; a POST invites.

    The response to an invitation of someone without a password carries their
    set-password link, shown this once (``never_cache``: no copy kept by the browser).
    """
    community = owned_community(request, community_id)
    if request.method != "POST":
        return staff_page(request, community)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return staff_page(request, community, status=400, form=form)
    assert isinstance(request.user, User)
    try:
        user, created = actions.invite_staff(
            community, form.cleaned_data["who"], form.cleaned_data["role"], by=request.user
        )
    except ValueError as error:
        message = LAST_OWNER if "last owner" in str(error) else _("Not a username or email.")
        form.add_error("who", message)
        return staff_page(request, community, status=400, form=form)
    link = None if user.has_usable_password() else invite_link(request, user)
    return staff_page(request, community, invited=user, created=created, link=link)


@login_required
@require_POST
def staff_role_view(request: HttpRequest, community_id: int, staff_id: int) -> HttpResponse:
    """Change one staff member's role (``role``) or, with ``remove``, take it away."""
    community = owned_community(request, community_id)
    staff = get_object_or_404(
        Staff.objects.select_related("user"), pk=staff_id, community=community
    )
    remove = "remove" in request.POST
    form = RoleForm(request.POST)
    if not remove and not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("community_staff", community.pk)
    assert isinstance(request.user, User)
    try:
        actions.set_staff_role(
            staff, None if remove else form.cleaned_data["role"], by=request.user
        )
    except ValueError:
        messages.error(request, LAST_OWNER)
        return redirect("community_staff", community.pk)
    messages.success(request, _("Saved."))
    if not can(request.user, "invite_staff", community):  # they changed their own role
        return HttpResponseRedirect(reverse("home"))
    return redirect("community_staff", community.pk)


class AcceptInviteView(PasswordResetConfirmView):
    """The invited person's set-password page; afterwards they are signed in.

    Django's view moves the token from the URL into the session at once (so it does
    not leak through the Referer header) and refuses a used or expired token.
    """

    template_name = "web/staff_accept.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")


accept_invite_view = never_cache(AcceptInviteView.as_view())
