"""``omniretail rotate-member-keys``: re-encrypt member personal data with the newest key.

Rotation: append a new ``key_id:key`` to OMNIRETAIL_FIELD_KEYS (``--generate`` prints one),
deploy, run this command, then drop the old key. Rows are rewritten in small committed
batches, so the command can be interrupted and rerun; rows already on the newest key are
skipped. The blind index is unaffected (it has its own key).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from omniretail.core import audit
from omniretail.members import crypto
from omniretail.members.identity import NAME_FIELD, PHONE_FIELD
from omniretail.members.models import Member


class Command(BaseCommand):
    help = "Re-encrypt member phone numbers and names with the newest OMNIRETAIL_FIELD_KEYS key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--generate", action="store_true", help="print a new key and exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["generate"]:
            self.stdout.write(crypto.generate_key())
            return
        newest = crypto.current_key().key_id
        prefix = f"{crypto.VERSION}:{newest}:"
        done = 0
        last_pk = 0
        while True:
            rows = list(
                Member.objects.filter(pk__gt=last_pk)
                .exclude(phone_cipher="", name_cipher="")
                .order_by("pk")
                .values_list("pk", "phone_cipher", "name_cipher")[: opts["batch"]]
            )
            if not rows:
                break
            last_pk = rows[-1][0]
            with transaction.atomic():
                for pk, phone, name in rows:
                    if phone.startswith(prefix) and (not name or name.startswith(prefix)):
                        continue
                    Member.objects.filter(pk=pk).update(
                        phone_cipher=crypto.reencrypt(phone, PHONE_FIELD) or phone,
                        name_cipher=crypto.reencrypt(name, NAME_FIELD) or name,
                    )
                    done += 1
        with transaction.atomic():
            audit.record("members.rotate_keys", changes={"key_id": newest, "rows": done})
        if opts["verbosity"]:
            self.stdout.write(f"re-encrypted {done} members with key {newest}")
