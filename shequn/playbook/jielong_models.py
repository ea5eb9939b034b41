"""Models of 接龙 chains started from the console or by command; re-exported by ``models``."""

from __future__ import annotations
