"""Models of referral growth (fraud flags under review), re-exported by ``models``."""

from __future__ import annotations
