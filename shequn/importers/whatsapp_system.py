"""What WhatsApp writes on its own: system lines and attachment placeholders.

System lines (English and German) that tell who joined, left, was added or
removed, who created the group and how it was renamed become :class:`Fact`
objects; :mod:`shequn.importers.whatsapp` turns them into events. Anything else
WhatsApp writes (encryption notice, security codes, icons, descriptions, …) is
only given a skip reason.

Attachment kinds come from the file extension (the export says nothing else):

=================================================  ===========
extension                                          kind
=================================================  ===========
jpg jpeg png gif heic heif bmp tif tiff            IMAGE
webp (WhatsApp stickers are .webp)                 STICKER
mp4 3gp mov mkv avi webm m4v                       VIDEO
opus (voice notes) ogg m4a mp3 aac amr wav         VOICE
anything else (pdf, vcf, docx, zip, …)             FILE
=================================================  ===========

Placeholders without a file name: iOS ``image omitted`` → IMAGE, ``video``/``GIF
omitted`` → VIDEO, ``audio omitted`` → VOICE, ``sticker omitted`` → STICKER,
other ``… omitted`` → FILE (German ``… weggelassen`` alike); Android
``<Media omitted>`` (``<Medien ausgeschlossen>``) → FILE, because it does not
say which medium it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shequn.events import MessageKind

SELF = "You"
"""The id and name of the exporting account, which system lines call "You"/"Du"."""

_SELF_WORDS = frozenset({"You", "you", "Du", "du", "Dich", "dich"})

_O = '["“„«]'
_C = '["”“»]'

# (kind, pattern); tried in order, each must match the whole line.
_SYSTEM: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("created", rf"(?P<actor>.+?) created group {_O}(?P<new>.*){_C}"),
        ("created", r"(?P<actor>.+?) created this group"),
        ("created", rf"(?P<actor>.+?) (?:hat|hast) (?:die )?Gruppe {_O}(?P<new>.*){_C} erstellt"),
        ("link", r"(?P<member>.+?) joined using this group['’]s invite link"),
        ("link", r"(?P<member>.+?) (?:ist|bist) über den Einladungslink dieser Gruppe beigetreten"),
        (
            "subject",
            rf"(?P<actor>.+?) changed the (?:subject|group name) from {_O}(?P<old>.*){_C}"
            rf" to {_O}(?P<new>.*){_C}",
        ),
        ("subject", rf"(?P<actor>.+?) changed the (?:subject|group name) to {_O}(?P<new>.*){_C}"),
        (
            "subject",
            r"(?P<actor>.+?) changed the (?:subject|group name) from (?P<old>.*) to (?P<new>.*)",
        ),
        ("subject", r"(?P<actor>.+?) changed the (?:subject|group name) to (?P<new>.*)"),
        (
            "subject",
            rf"(?P<actor>.+?) (?:hat|hast) den (?:Betreff|Gruppennamen) von {_O}(?P<old>.*){_C}"
            rf" zu {_O}(?P<new>.*){_C} geändert",
        ),
        (
            "subject",
            rf"(?P<actor>.+?) (?:hat|hast) den (?:Betreff|Gruppennamen)"
            rf" zu {_O}(?P<new>.*){_C} geändert",
        ),
        ("self_added", r"You were added|Du wurdest hinzugefügt"),
        (
            "number",
            r"(?P<old>\+?\d[\d \-()]+) (?:changed to|hat zu)"
            r" (?P<new>\+?\d[\d \-()]+?)(?: gewechselt)?",
        ),
        ("added", r"(?P<actor>.+?) added (?P<members>.+)"),
        ("added", r"(?P<actor>.+?) (?:hat|hast) (?P<members>.+) hinzugefügt"),
        ("removed", r"(?P<actor>.+?) removed (?P<members>.+)"),
        ("removed", r"(?P<actor>.+?) (?:hat|hast) (?P<members>.+) entfernt"),
        ("left", r"(?P<member>.+?) (?:hat|hast) die Gruppe verlassen"),
        ("left", r"(?P<member>.+?) left"),
    )
)

_LIST_SPLIT = re.compile(r", | and | und ")

_ATTACHED = re.compile(
    r"<\s*\u200e?(?:attached|Anhang|adjunto|allegato|anexo)\s*:\s*(?P<a>[^>]*?)\s*>"
    r"|(?P<b>\S+) <\u200e?(?:attached|Anhang)>"
    r"|(?P<c>\S+) \((?:file attached|Datei angehängt|archivo adjunto|file allegato"
    r"|arquivo anexado|fichier joint)\)"
)
_OMITTED = re.compile(
    r"\u200e?(?P<what>image|video|audio|sticker|GIF|document|Contact card|Bild|Video|Audio"
    r"|Sticker|GIF|Dokument|Kontaktkarte) (?:omitted|weggelassen)"
    r"|<(?:Media omitted|Medien ausgeschlossen|Medien weggelassen|Multimedia omitido)>"
)
_DELETED = (
    "This message was deleted",
    "You deleted this message",
    "Diese Nachricht wurde gelöscht",
    "Du hast diese Nachricht gelöscht",
)

_EXTENSIONS = {
    **dict.fromkeys(("jpg", "jpeg", "png", "gif", "heic", "heif", "bmp", "tif", "tiff"), "image"),
    "webp": "sticker",
    **dict.fromkeys(("mp4", "3gp", "mov", "mkv", "avi", "webm", "m4v"), "video"),
    **dict.fromkeys(("opus", "ogg", "m4a", "mp3", "aac", "amr", "wav"), "voice"),
}
_OMITTED_KINDS = {
    "image": "image",
    "Bild": "image",
    "video": "video",
    "Video": "video",
    "GIF": "video",
    "audio": "voice",
    "Audio": "voice",
    "sticker": "sticker",
    "Sticker": "sticker",
}


@dataclass(frozen=True, slots=True)
class Fact:
    """A recognised system line: ``kind`` with the names it mentions."""

    kind: str
    actor: str = ""
    members: tuple[str, ...] = ()
    old: str = ""
    new: str = ""


def person(name: str) -> str:
    """The account name for a name in a system line ("You", "dich" → SELF)."""
    name = name.strip().strip("\u200e")
    return SELF if name in _SELF_WORDS else name


def parse_system(text: str) -> Fact | None:
    """The fact a system line states, or None when it is not one we turn into events."""
    text = text.strip().strip("\u200e").rstrip(".")
    for kind, pattern in _SYSTEM:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        groups = match.groupdict()
        if kind in ("link", "left"):
            return Fact(kind, actor=person(groups["member"]), members=(person(groups["member"]),))
        if kind in ("added", "removed"):
            members = tuple(person(m) for m in _LIST_SPLIT.split(groups["members"]) if m.strip())
            return Fact(kind, actor=person(groups["actor"]), members=members)
        if kind == "self_added":
            return Fact(kind, members=(SELF,))
        if kind == "number":
            return Fact(kind, actor=groups["old"], old=groups["old"], new=groups["new"])
        return Fact(
            kind,
            actor=person(groups["actor"]),
            old=groups.get("old") or "",
            new=groups.get("new") or "",
        )
    return None


def skip_reason(text: str) -> str:
    """Why a system line that states no membership fact is left out."""
    if "end-to-end" in text or "Ende-zu-Ende" in text:
        return "system line: encryption notice"
    if "security code" in text or "Sicherheitsnummer" in text:
        return "system line: security code changed"
    return "system line: other"


def attachment_kind(first_line: str) -> MessageKind | None:
    """The kind of an attachment placeholder on a message's first line, else None."""
    tail = first_line[-1:]
    if tail not in (">", ")") and not first_line.endswith(("omitted", "weggelassen")):
        return None
    match = _ATTACHED.search(first_line)
    if match is not None:
        name = match["a"] or match["b"] or match["c"] or ""
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        return MessageKind(_EXTENSIONS.get(extension, "file"))
    match = _OMITTED.match(first_line)
    if match is not None:
        return MessageKind(_OMITTED_KINDS.get(match["what"] or "", "file"))
    return None


def is_deleted_note(text: str) -> bool:
    """A "this message was deleted" placeholder (still a message by its sender)."""
    return text.lstrip("\u200e").startswith(_DELETED)
