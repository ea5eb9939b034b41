"""The digest as the plain text posted to the group (no markup: chat shows it as typed).

Quoted message text is shortened and kept on one line, so that a long message
cannot push the rest of the digest out of sight.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shequn.analytics.digest import Digest, Line

QUOTE = 40  # characters of a message quoted in the posted digest


def quote(line: Line) -> str:
    """``name: text`` on one line, cut to ``QUOTE`` characters."""
    text = " ".join(line.text.split())
    short = text if len(text) <= QUOTE else text[: QUOTE - 1] + "…"
    return f"{line.name or '?'}: {short}"


def digest_text(digest: Digest) -> str:
    """The digest as a chat message, in the active language (Chinese by default)."""
    lines = [
        _("【%(group)s · daily digest · %(day)s】")
        % {"group": digest.group_name, "day": digest.day},
        _("%(messages)d messages from %(speakers)d members.")
        % {"messages": digest.messages, "speakers": digest.speakers},
    ]
    if digest.threads:
        lines.append(_("🔥 Threads of the day"))
        for n, thread in enumerate(digest.threads, 1):
            figures = _("%(replies)d replies, %(people)d people") % {
                "replies": thread.replies,
                "people": thread.participants,
            }
            lines.append(f"{n}. {quote(thread.opening)} ({figures})")
    if digest.keywords:
        lines.append(
            _("🏷 Keywords: %(words)s") % {"words": "、".join(k.word for k in digest.keywords)}
        )
    if digest.essence:
        lines.append(_("⭐ Essence"))
        lines.extend(f"· {quote(item.line)}" for item in digest.essence if item.line is not None)
    if digest.credited:
        names = "、".join(c.name for c in digest.credited)
        lines.append(_("🙏 Thanks to %(names)s") % {"names": names})
    return "\n".join(lines)
