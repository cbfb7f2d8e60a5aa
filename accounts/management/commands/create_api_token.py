"""python manage.py create_api_token USERNAME: a new API token for a user (a service account a
script runs as), printed once; the database keeps only its digest. Replaces DRF's drf_create_token."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import tokens
from core.exceptions import DomainError


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (it cannot be shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {options['username']!r}.")
        try:
            token, key = tokens.token_create(user=user)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        expires = f"expires {token.expiry:%Y-%m-%d}" if token.expiry else "never expires"
        self.stderr.write(f"API token for {user.username} ({expires}); copy it now, it is not stored:")
        self.stdout.write(key)
