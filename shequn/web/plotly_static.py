"""plotly.js as a static file, straight from the installed plotly package.

The console's Content-Security-Policy forbids inline script, so the report's
charts need plotly.js as a file of our own origin. Rather than keep a copy in our
tree (which would drift from the Python package that builds the figures), this
staticfiles finder exposes the package's ``package_data/plotly.min.js`` under
``plotly/plotly-<version>.min.js``. The version in the name lets browsers keep
the file for good (settings marks it immutable for whitenoise), and
``collectstatic`` copies it like any other static file.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from django.core.files.storage.base import Storage
from plotly.offline import get_plotlyjs_version

PREFIX = "plotly"
SOURCE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@cache
def file_name() -> str:
    """``plotly-<plotly.js version>.min.js``."""
    return f"plotly-{get_plotlyjs_version()}.min.js"


def static_path() -> str:
    """The path to give ``{% static %}``: ``plotly/plotly-<version>.min.js``."""
    return f"{PREFIX}/{file_name()}"


class PlotlyStorage(FileSystemStorage):
    """The package's data folder, where our versioned name stands for plotly.min.js."""

    prefix = PREFIX

    def __init__(self) -> None:
        super().__init__(location=str(SOURCE.parent))

    def path(self, name: str) -> str:
        return str(SOURCE) if name == file_name() else super().path(name)


class PlotlyFinder(BaseFinder):
    """Finds ``plotly/plotly-<version>.min.js`` and nothing else."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.storage = PlotlyStorage()

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path == static_path() and SOURCE.is_file():
            return [str(SOURCE)] if find_all else str(SOURCE)
        return [] if find_all else None

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, Storage]]:
        if SOURCE.is_file():
            yield file_name(), self.storage
