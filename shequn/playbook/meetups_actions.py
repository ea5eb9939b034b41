"""Every write to meetups and their sign-ups (chat, console and jobs alike); audited.

Places: the first ``capacity`` active sign-ups (in ``position`` order) are
confirmed, the rest wait. A cancel frees a place and the first waiting sign-up
is promoted, and told so in the group (a ``meetup_say`` job, sent through the
engine). Attendance ties every two attendees ``met_offline`` (source
``meetup:<id>``), replaced as a whole each time it is taken, so unticking an
attendee takes their ties from this meetup back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequn.chat.models import Message
from shequn.community.actions import add_link, audit
from shequn.community.models import Account, Group, Link, LinkDimension
from shequn.events import Action, MeetupSignup, MessageKind
from shequn.playbook import meetups as texts
from shequn.playbook.actions import enqueue
from shequn.playbook.jielong_post import entry_key, title_key
from shequn.playbook.models import Meetup
from shequn.playbook.models import MeetupSignup as Signup

Status, Via = Signup.Status, Signup.Via
ACTIVE = (Status.CONFIRMED, Status.WAITING)
#: Photos shared in the group this long after the start are the meetup's.
PHOTO_WINDOW = timedelta(days=1)
RULE = "meetup"


class MeetupError(ValueError):
    """Meetup input that cannot be saved: ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _audit(meetup: Meetup, what: str, user: User | None, by: str, **details: Any) -> None:
    audit(
        meetup.group.community, what, user=user, rule=by if by.startswith("operator") else RULE,
        group=meetup.group, target=str(meetup.pk), reason=f"{by}: {meetup.title}", details=details,
    )  # fmt: skip


def _check(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """``values`` checked and normalised; MeetupError names the first bad field."""
    title = str(values.get("title") or "").strip()
    if not title or len(title) > 100:
        raise MeetupError("title", "expected a title of 1 to 100 characters")
    starts_at = values.get("starts_at")
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise MeetupError("starts_at", "expected a date and time with a time zone")
    if starts_at <= now:
        raise MeetupError("starts_at", "a new meetup must start in the future")
    place = str(values.get("place") or "").strip()
    if not place or len(place) > 200:
        raise MeetupError("place", "expected a place of 1 to 200 characters")
    capacity = values.get("capacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise MeetupError(
            "capacity", f"expected a whole number of places, 1 or more; got {capacity!r}"
        )
    hours = values.get("remind_hours") or []
    if not all(isinstance(h, int) and not isinstance(h, bool) and 0 < h <= 24 * 14 for h in hours):
        raise MeetupError("remind_hours", "expected hours before the start, each 1 to 336")
    return {"title": title, "starts_at": starts_at, "place": place, "capacity": capacity,
            "remind_hours": sorted(set(hours), reverse=True)}  # fmt: skip


def create_meetup(
    group: Group, values: dict[str, Any], user: User | None = None, by: str = "console"
) -> Meetup:
    """A new meetup of ``group``, audited, its reminders planned (those still ahead)."""
    now = timezone.now()
    checked = _check(dict(values), now)
    with transaction.atomic():
        if Meetup.objects.filter(group=group, title=checked["title"]).exists():
            raise MeetupError("title", "this group already has a meetup of that title")
        meetup = Meetup.objects.create(group=group, **checked)
        for hours in meetup.remind_hours:
            due = meetup.starts_at - timedelta(hours=hours)
            if due > now:
                enqueue("meetup_remind", due, {"meetup": meetup.pk, "hours": hours}, group=group)
        _audit(meetup, "MeetupCreated", user, by, starts_at=meetup.starts_at.isoformat(),
               capacity=meetup.capacity)  # fmt: skip
    return meetup


def find_meetup(group: Group, title: str, now: datetime) -> Meetup | None:
    """The group's meetup named by ``title``: exactly, else the one whose title the text
    contains (as a 接龙 title does); "" names the next one. Only meetups still to come
    take sign-ups."""
    open_ = Meetup.objects.filter(group=group, starts_at__gt=now)
    open_ = open_.order_by("starts_at", "pk")
    if not title.strip():
        return open_.first()
    exact = open_.filter(title=title.strip()).first()
    if exact is not None:
        return exact
    wanted = title_key(title)
    found = [m for m in open_ if title_key(m.title) and title_key(m.title) in wanted]
    return max(found, key=lambda m: len(m.title)) if found else None


def _name(account: Account) -> str:
    return account.display_name or account.person.display_name or account.external_id


def _say(meetup: Meetup, text: str) -> None:
    """Tell the group ``text`` through the engine (a job: sent and audited there)."""
    enqueue("meetup_say", timezone.now(), {"meetup": meetup.pk, "text": text}, group=meetup.group)


def _status_for(meetup: Meetup) -> str:
    confirmed = meetup.signups.filter(status=Status.CONFIRMED).count()
    return Status.CONFIRMED if confirmed < meetup.capacity else Status.WAITING


def _waiting_place(signup: Signup) -> int:
    ahead = signup.meetup.signups.filter(status=Status.WAITING, position__lt=signup.position)
    return ahead.count() + 1


def sign_up(
    meetup: Meetup, account: Account | None, name: str, via: str,
    user: User | None = None, by: str = "chat", tell: bool = True,
) -> tuple[Signup, bool]:  # fmt: skip
    """Sign ``account`` (or a bare ``name``) up; (the sign-up, whether it is new).

    Signing up again while signed up changes nothing; after a cancel it joins at
    the end of the line. The group is told the outcome (a place or the waitlist).
    """
    label = _name(account) if account is not None else name.strip()
    if not label:
        raise MeetupError("name", "a sign-up needs a name")
    key = f"account:{account.pk}" if account is not None else f"name:{entry_key(label)}"
    with transaction.atomic():
        Meetup.objects.select_for_update().filter(pk=meetup.pk).first()  # one sign-up at a time
        signup = Signup.objects.filter(meetup=meetup, key=key).first()
        if signup is not None and signup.status in ACTIVE:
            return signup, False
        position = (meetup.signups.aggregate(p=Max("position"))["p"] or 0) + 1
        status = _status_for(meetup)
        fields = {"account": account, "name": label[:255], "via": via, "status": status,
                  "position": position, "signed_at": timezone.now()}  # fmt: skip
        if signup is None:
            signup = Signup.objects.create(meetup=meetup, key=key, **fields)
        else:
            Signup.objects.filter(pk=signup.pk).update(**fields, attended=False)
            signup.refresh_from_db()
        _audit(meetup, "MeetupSignedUp", user, by, signup=signup.pk, name=label, via=via,
               status=signup.status)  # fmt: skip
        if tell:
            when = texts.local(meetup.starts_at, meetup.group.community.time_zone)
            if signup.status == Status.CONFIRMED:
                _say(meetup, texts.confirmed_text(label, meetup.title, when))
            else:
                _say(meetup, texts.waiting_text(label, meetup.title, _waiting_place(signup)))
    return signup, True


def cancel(signup: Signup, user: User | None = None, by: str = "chat") -> list[Signup]:
    """Take a sign-up back and promote the waitlist into the freed places; the promoted."""
    meetup = signup.meetup
    with transaction.atomic():
        Meetup.objects.select_for_update().filter(pk=meetup.pk).first()
        done = Signup.objects.filter(pk=signup.pk, status__in=ACTIVE).update(
            status=Status.CANCELLED, attended=False
        )
        if not done:
            return []
        _audit(meetup, "MeetupCancelled", user, by, signup=signup.pk, name=signup.name)
        _say(meetup, texts.cancelled_text(signup.name, meetup.title))
        return promote(meetup, user, by)


def promote(meetup: Meetup, user: User | None = None, by: str = "chat") -> list[Signup]:
    """Move waiting sign-ups up, in order, into free places; each is told in the group."""
    promoted = []
    free = meetup.capacity - meetup.signups.filter(status=Status.CONFIRMED).count()
    when = texts.local(meetup.starts_at, meetup.group.community.time_zone)
    for signup in meetup.signups.filter(status=Status.WAITING).order_by("position")[: max(free, 0)]:
        Signup.objects.filter(pk=signup.pk).update(status=Status.CONFIRMED)
        signup.status = Status.CONFIRMED
        _audit(meetup, "MeetupPromoted", user, by, signup=signup.pk, name=signup.name)
        _say(meetup, texts.promoted_text(signup.name, meetup.title, when))
        promoted.append(signup)
    return promoted


def take_attendance(meetup: Meetup, attended: set[int], user: User | None, by: str) -> int:
    """Mark who came (sign-up ids; others did not) and tie every two attendees
    ``met_offline``; how many ties this meetup now makes. Only confirmed sign-ups come."""
    source = f"meetup:{meetup.pk}"
    with transaction.atomic():
        rows = meetup.signups.filter(status=Status.CONFIRMED)
        unknown = attended - set(rows.values_list("pk", flat=True))
        if unknown:
            raise MeetupError(
                "attended", f"not confirmed sign-ups of this meetup: {sorted(unknown)}"
            )
        rows.update(attended=False)
        rows.filter(pk__in=attended).update(attended=True)
        Link.objects.filter(community=meetup.group.community, source=source).delete()
        came = rows.filter(attended=True, account__isnull=False).select_related("account__person")
        people = {s.account.person for s in came if s.account is not None}
        pairs = [(a, b) for a, b in combinations(sorted(people, key=lambda p: p.pk), 2)]
        for a, b in pairs:
            add_link(a, b, LinkDimension.MET_OFFLINE, source, meetup.starts_at)
        meetup.attendance_at = timezone.now()
        meetup.save(update_fields=["attendance_at"])
        _audit(meetup, "MeetupAttendance", user, by, attended=sorted(attended),
               ties=[[a.pk, b.pk] for a, b in pairs])  # fmt: skip
    return len(pairs)


def photos(meetup: Meetup) -> int:
    """Photos shared in the group from the start of the meetup to a day after it."""
    since = meetup.starts_at
    return Message.objects.filter(
        group=meetup.group, kind=MessageKind.IMAGE.value, deleted_at__isnull=True,
        at__gte=since, at__lt=since + PHOTO_WINDOW,
    ).count()  # fmt: skip


def _account(group: Group, member_id: str) -> Account | None:
    return (
        Account.objects.select_related("person")
        .filter(community_id=group.community_id, platform=group.platform, external_id=member_id)
        .first()
    )


def _entry_account(group: Group, entry: str) -> Account | None:
    """The group's member a 接龙 line names by its first word (``张三 +1`` → 张三)."""
    first = entry.split()[0] if entry.split() else ""
    if not first:
        return None
    match = Q(display_name=first) | Q(person__display_name=first) | Q(memberships__nickname=first)
    found = Account.objects.select_related("person").filter(
        match, memberships__group=group, memberships__left_at__isnull=True
    )
    return found.distinct().first()


def signup_action(group: Group, action: Action) -> None:
    """Store handler of ``MeetupSignup``: a command sign-up or cancel, or a 接龙's lines."""
    assert isinstance(action, MeetupSignup)
    now = timezone.now()
    meetup = find_meetup(group, action.meetup, now)
    if action.entries:
        if meetup is None:
            return  # a 接龙 for something else than a meetup
        for entry in action.entries:
            account = _entry_account(group, entry)
            sign_up(meetup, account, entry.split()[0] if entry.split() else entry, Via.JIELONG)
        return
    if meetup is None:
        what = action.meetup or _("the next meetup")
        enqueue("meetup_say", now, {"text": _("No meetup found: %(what)s") % {"what": what}},
                group=group)  # fmt: skip
        return
    account = _account(group, action.member.id)
    name = action.member.name or action.member.id
    if not action.cancel:
        sign_up(meetup, account, name, Via.COMMAND)
        return
    key = f"account:{account.pk}" if account is not None else f"name:{entry_key(name)}"
    signup = meetup.signups.filter(key=key, status__in=ACTIVE).first()
    if signup is not None:
        cancel(signup)
