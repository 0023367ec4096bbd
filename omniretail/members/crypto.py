"""Personal data at rest: AES-GCM field encryption with key rotation, a keyed blind index
for lookups, masking, and signed member QR payloads.

Keys come from the ``OMNIRETAIL_FIELD_KEYS`` environment variable: a comma-separated list of
``key_id:base64url(32 bytes)`` entries, oldest first. The **last** entry encrypts; every entry
decrypts, so a new key can be appended, ``omniretail rotate-member-keys`` run, and the old key
removed afterwards. Each ciphertext is ``v1:<key_id>:<base64url(nonce | ciphertext+tag)>``, so
the key that wrote it is known without trying them all.

The blind index (HMAC-SHA256 of the normalised phone) uses ``OMNIRETAIL_BLIND_INDEX_KEY``; it
must stay stable across encryption-key rotations, or lookups by phone would stop matching.

Without these variables (development, tests) both keys are derived from ``SECRET_KEY`` with
HKDF and distinct labels; production must set them explicitly (a changed SECRET_KEY would
otherwise make every stored phone unreadable).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from omniretail.core.errors import ValidationFailed

from . import conf
from .errors import MemberError

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
VERSION = "v1"
QR_SALT = "omniretail.members.qr"


class KeyError_(ValueError):
    """A malformed key configuration or a ciphertext no configured key can open."""


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    key: bytes


def _derive(label: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"omniretail", info=label.encode()
    ).derive(settings.SECRET_KEY.encode())


@lru_cache(maxsize=8)
def _parse_keys(raw: str, secret: str) -> tuple[FieldKey, ...]:
    if not raw.strip():
        return (FieldKey("dev1", _derive("omniretail.members.field-key.dev1")),)
    keys = []
    for item in raw.split(","):
        key_id, sep, b64 = item.strip().partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise KeyError_(f"OMNIRETAIL_FIELD_KEYS entry must be 'key_id:base64key': {key_id!r}")
        try:
            key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        except ValueError as exc:
            raise KeyError_(f"key {key_id} is not base64") from exc
        if len(key) != 32:
            raise KeyError_(f"key {key_id} must be 32 bytes, got {len(key)}")
        keys.append(FieldKey(key_id, key))
    if len({k.key_id for k in keys}) != len(keys):
        raise KeyError_("OMNIRETAIL_FIELD_KEYS has duplicate key ids")
    return tuple(keys)


def field_keys() -> tuple[FieldKey, ...]:
    return _parse_keys(os.environ.get("OMNIRETAIL_FIELD_KEYS", ""), settings.SECRET_KEY)


def current_key() -> FieldKey:
    return field_keys()[-1]


@lru_cache(maxsize=8)
def _index_key(raw: str, secret: str) -> bytes:
    if raw:
        return raw.encode()
    return _derive("omniretail.members.blind-index")


def blind_index_key() -> bytes:
    return _index_key(os.environ.get("OMNIRETAIL_BLIND_INDEX_KEY", ""), settings.SECRET_KEY)


def generate_key() -> str:
    """A fresh base64url 32-byte key for OMNIRETAIL_FIELD_KEYS."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode().rstrip("=")


def encrypt(plaintext: str, field: str) -> str:
    """Encrypt with the newest key; ``field`` is bound as associated data so a ciphertext
    copied into another column does not decrypt."""
    key = current_key()
    nonce = os.urandom(12)
    sealed = AESGCM(key.key).encrypt(nonce, plaintext.encode(), field.encode())
    return f"{VERSION}:{key.key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(ciphertext: str) -> str:
    parts = ciphertext.split(":", 2)
    return parts[1] if len(parts) == 3 else ""


def decrypt(ciphertext: str, field: str) -> str:
    if not ciphertext:
        return ""
    version, _sep, rest = ciphertext.partition(":")
    key_id, _sep, body = rest.partition(":")
    if version != VERSION:
        raise KeyError_(f"unknown ciphertext version {version!r}")
    key = next((k for k in field_keys() if k.key_id == key_id), None)
    if key is None:
        raise KeyError_(f"no configured key with id {key_id!r}")
    raw = base64.urlsafe_b64decode(body)
    try:
        return AESGCM(key.key).decrypt(raw[:12], raw[12:], field.encode()).decode()
    except InvalidTag as exc:
        raise KeyError_("ciphertext does not authenticate") from exc


def reencrypt(ciphertext: str, field: str) -> str | None:
    """The ciphertext under the newest key, or None when it already uses it."""
    if not ciphertext or key_id_of(ciphertext) == current_key().key_id:
        return None
    return encrypt(decrypt(ciphertext, field), field)


# --- Phones ------------------------------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """Digits only, without a +86 / 0086 prefix; raises ``invalid_phone`` unless the result is
    a mainland mobile number (1[3-9] and nine digits)."""
    digits = re.sub(r"[\s\-()]", "", str(raw or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _PHONE.match(digits):
        raise ValidationFailed(
            MemberError.INVALID_PHONE,
            _("Enter a valid mainland China mobile number (11 digits starting 13–19)."),
            {"field": "phone"},
        )
    return digits


def is_valid_phone(raw: str) -> bool:
    try:
        normalise_phone(raw)
    except ValidationFailed:
        return False
    return True


def phone_index(phone: str) -> str:
    """Keyed HMAC-SHA256 of the normalised phone: equal phones match, the table alone does
    not reveal them (a plain hash of 11 digits is brute-forced in seconds)."""
    return hmac.new(blind_index_key(), phone.encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else ""


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


# --- QR -------------------------------------------------------------------------------------


def qr_payload(member_code: str, brand_id: int) -> str:
    """A signed, timestamped payload for the member's QR code (shown in the member app)."""
    return signing.dumps({"c": member_code, "b": brand_id}, salt=QR_SALT, compress=True)


def read_qr(payload: str) -> tuple[str, int]:
    """(member code, brand id) from a QR payload; typed errors when tampered or too old."""
    try:
        data = signing.loads(payload, salt=QR_SALT, max_age=conf.get("QR_MAX_AGE_S"))
    except signing.SignatureExpired as exc:
        raise ValidationFailed(
            MemberError.QR_EXPIRED, _("This member QR code has expired; refresh it in the app.")
        ) from exc
    except signing.BadSignature as exc:
        raise ValidationFailed(
            MemberError.QR_INVALID, _("This member QR code is invalid or was tampered with.")
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        raise ValidationFailed(MemberError.QR_INVALID, _("This member QR code is invalid."))
    return data["c"], int(data.get("b", 0))
