from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniretail.accounts import services
from omniretail.accounts.permissions import Role
from omniretail.core.errors import DomainError
from omniretail.core.models import Brand, Location, Region, Store


class Command(BaseCommand):
    help = "Create a user with a role in a scope (brand, --region, --store or --location code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--brand", help="brand code (default: the only brand)")
        parser.add_argument("--region")
        parser.add_argument("--store")
        parser.add_argument("--location")
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **o: Any) -> None:
        brand = (
            Brand.objects.filter(code=o["brand"]).first()
            if o["brand"]
            else Brand.objects.order_by("pk").first()
        )
        if brand is None:
            raise CommandError("no such brand; create the organisation first (omniretail seed)")
        try:
            target = services.ScopeTarget(
                brand=brand,
                region=Region.objects.get(brand=brand, code=o["region"]) if o["region"] else None,
                store=Store.objects.get(brand=brand, code=o["store"]) if o["store"] else None,
                location=Location.objects.get(brand=brand, code=o["location"])
                if o["location"]
                else None,
            )
            user = services.create_user(
                username=o["username"],
                password=o["password"],
                display_name=o["name"],
                role=Role(o["role"]),
                target=target,
            )
        except (Region.DoesNotExist, Store.DoesNotExist, Location.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.details or ''}") from exc
        self.stdout.write(self.style.SUCCESS(f"created {user.username} ({o['role']})"))
