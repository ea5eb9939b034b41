"""Models of referral rewards (reward rules and what they granted), re-exported by ``models``."""

from __future__ import annotations
