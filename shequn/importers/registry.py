"""Every export format shequn reads: name → module, imported on first use.

Order matters for detection: formats with a distinctive container or header
come first, loose line-based formats (IRC, WhatsApp) last.
"""

from __future__ import annotations

import importlib
from types import ModuleType

FORMATS: dict[str, str] = {
    "telegram": "shequn.importers.telegram",
    "discord": "shequn.importers.discord",
    "element": "shequn.importers.element",
    "slack": "shequn.importers.slack",
    "wechat_memotrace": "shequn.importers.wechat_memotrace",
    "wechat_pywxdump": "shequn.importers.wechat_pywxdump",
    "qq": "shequn.importers.qq",
    "wechat_memotrace_txt": "shequn.importers.wechat_memotrace_txt",
    "irc": "shequn.importers.irc",
    "whatsapp": "shequn.importers.whatsapp",
}


def load(name: str) -> ModuleType:
    """The importer module for ``name``; KeyError names the formats there are."""
    try:
        path = FORMATS[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r}; known: {', '.join(FORMATS)}") from None
    return importlib.import_module(path)
