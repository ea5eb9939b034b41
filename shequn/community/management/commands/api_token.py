"""`shequn manage api_token USERNAME`: create an API token for a user and print it once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequn.community.actions import create_api_token


class Command(BaseCommand):
    help = "Create an HTTP API token for USERNAME and print it (it is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        """Print the new token alone on stdout, so scripts can capture it."""
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"no user named {options['username']!r}") from exc
        if not user.is_active:
            raise CommandError(f"user {user.username!r} is inactive")
        self.stdout.write(create_api_token(user))
