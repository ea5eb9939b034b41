"""The columns pages (栏目): a group's columns, one column with its queue and slots.

Anyone with a role in the community reads them; the "edit" power (operators,
owners) creates and changes columns and their queues, through
``shequn.playbook.columns_actions`` (validated and audited there). A refused
form comes back with status 400 and the errors on their fields. The group page
loads the engagement section from ``group_columns_engagement_view`` (htmx).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequn.community.models import Group
from shequn.community.permissions import can, visible_groups
from shequn.playbook import columns_actions as act
from shequn.playbook.columns_summary import engagement, group_engagement
from shequn.playbook.models import Column, ColumnItem, ColumnPost
from shequn.web.columns_forms import ColumnForm, ItemForm, initial_for
from shequn.web.profile import require

POSTS_SHOWN = 20


def _group(request: HttpRequest, group_id: int) -> Group:
    return get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)


def _column(request: HttpRequest, column_id: int) -> Column:
    """A column of a group the user sees (404 otherwise)."""
    return get_object_or_404(
        Column.objects.select_related("group__community").filter(
            group__in=visible_groups(request.user)
        ),
        pk=column_id,
    )


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _save(form: ColumnForm, request: HttpRequest, column: Column | None) -> Column | None:
    """Create or update through the actions; their errors land on the form's fields."""
    try:
        if column is None:
            return act.create_column(form.group, form.values(), _user(request), by="web")
        return act.update_column(column, form.values(), _user(request), by="web")
    except act.ColumnError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error("hosts" if exc.field == "host_ids" else field, exc.message)
        return None


def _rows(group: Group) -> list[dict[str, Any]]:
    """Each column of the group with its next slot and what is left in its queue."""
    rows = []
    for column in Column.objects.filter(group=group).order_by("name"):
        pending = column.posts.filter(status=ColumnPost.Status.PENDING).order_by("slot_at").first()
        rows.append({
            "column": column,
            "next": pending.slot_at if pending else None,
            "queued": column.items.filter(used_at__isnull=True).count(),
        })  # fmt: skip
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def group_columns_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's columns and, for editors, the form that creates one."""
    group = _group(request, group_id)
    may = can(request.user, "edit", group.community)
    form = ColumnForm(group=group)
    status = 200
    if request.method == "POST":
        require(request.user, "edit", group.community)
        form = ColumnForm(request.POST, group=group)
        column = _save(form, request, None) if form.is_valid() else None
        if column is not None:
            return redirect("column", column_id=column.pk)
        status = 400
    context = {"group": group, "community": group.community, "rows": _rows(group), "can_edit": may}
    context["form"] = form if may else None
    return render(request, "web/columns.html", context, status=status)


def _column_page(
    request: HttpRequest, column: Column, status: int = 200, **forms: Any
) -> HttpResponse:
    community = column.group.community
    may = can(request.user, "edit", community)
    items = column.items.order_by("used_at", "position", "pk")
    posts = column.posts.select_related("host", "item").order_by("-slot_at")[:POSTS_SHOWN]
    context = {
        "group": column.group,
        "community": community,
        "column": column,
        "can_edit": may,
        "form": forms.get("form") or ColumnForm(initial=initial_for(column), group=column.group),
        "item_form": forms.get("item_form") or ItemForm(),
        "queue": [i for i in items if i.used_at is None],
        "used": [i for i in items if i.used_at is not None],
        "posts": list(posts),
        "turnout": engagement(column),
    }
    return render(request, "web/column.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def column_view(request: HttpRequest, column_id: int) -> HttpResponse:
    """One column: its settings (editable), queue, slots and turnout."""
    column = _column(request, column_id)
    if request.method != "POST":
        return _column_page(request, column)
    require(request.user, "edit", column.group.community)
    form = ColumnForm(request.POST, group=column.group)
    if form.is_valid() and _save(form, request, column) is not None:
        return redirect("column", column_id=column.pk)
    column.refresh_from_db()
    return _column_page(request, column, 400, form=form)


@login_required
@require_POST
def column_queue_view(request: HttpRequest, column_id: int) -> HttpResponse:
    """Change the queue: add a text, or remove / move up / move down one (``item``)."""
    column = _column(request, column_id)
    require(request.user, "edit", column.group.community)
    what = request.POST.get("do", "add")
    if what in {"remove", "up", "down"}:
        item = get_object_or_404(ColumnItem, column=column, pk=request.POST.get("item") or 0)
        try:
            if what == "remove":
                act.remove_item(item, _user(request), by="web")
            else:
                act.move_item(item, what == "up", _user(request), by="web")
        except act.ColumnError:
            pass  # a used text stays: the page shows it among the posted ones
        return redirect("column", column_id=column.pk)
    form = ItemForm(request.POST)
    if not form.is_valid():
        return _column_page(request, column, 400, item_form=form)
    act.add_item(column, form.cleaned_data["text"], _user(request), by="web")
    return redirect("column", column_id=column.pk)


@login_required
@require_GET
def group_columns_engagement_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group page's column section: turnout after each recent post, per column."""
    group = _group(request, group_id)
    context = {"group": group, "community": group.community, "lines": group_engagement(group.pk)}
    return render(request, "web/_column_engagement.html", context)
