"""Models of resource matching (资源对接): questions, suggestions, introductions."""

from __future__ import annotations
