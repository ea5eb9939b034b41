"""Models of the shop side (webhook deliveries, order imports), re-exported by ``models``."""

from __future__ import annotations
