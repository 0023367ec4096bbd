"""GTIN barcodes: EAN-13, EAN-8, UPC-A check digits and in-house EAN-13 numbers.

All GTINs share one check-digit rule (weights 3,1,3,… from the right, excluding the check
digit), so one function validates every length.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core.errors import ValidationFailed
from omniretail.core.models import Brand

from .errors import CatalogError
from .models import BarcodeKind, SkuCodeRule

_KIND_BY_LENGTH = {13: BarcodeKind.EAN13, 8: BarcodeKind.EAN8, 12: BarcodeKind.UPCA}


def check_digit(body: str) -> int:
    """Check digit for the GTIN ``body`` (all digits but the last)."""
    if not body.isdigit():
        raise ValueError("GTIN body must be digits")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    return (
        code.isascii()
        and code.isdigit()
        and len(code) in (8, 12, 13, 14)
        and check_digit(code[:-1]) == int(code[-1])
    )


def classify(code: str, brand_prefix: str = "") -> BarcodeKind:
    """Kind of a valid barcode; raises ``invalid_barcode`` otherwise.

    A 13-digit code under the brand's own GS1 prefix is reported as in-house.
    """
    code = code.strip()
    if len(code) not in _KIND_BY_LENGTH or not is_valid_gtin(code):
        raise ValidationFailed(
            CatalogError.INVALID_BARCODE,
            _("%(code)s is not a valid EAN-13, EAN-8 or UPC-A barcode.") % {"code": code[:20]},
            {"barcode": code[:20]},
        )
    kind = _KIND_BY_LENGTH[len(code)]
    if (
        kind == BarcodeKind.EAN13
        and brand_prefix
        and code.startswith(brand_prefix)
        and code[0] == "2"
    ):
        return BarcodeKind.INTERNAL
    return kind


def make_ean13(prefix: str, number: int) -> str:
    """An EAN-13 made of ``prefix`` + zero-padded ``number`` + check digit."""
    width = 12 - len(prefix)
    if not prefix.isdigit() or width < 3 or number >= 10**width or number < 0:
        raise ValueError("prefix/number do not fit an EAN-13")
    body = f"{prefix}{number:0{width}d}"
    return body + str(check_digit(body))


@transaction.atomic
def next_in_house_ean13(brand: Brand) -> str:
    """Issue the next in-house EAN-13 under ``brand.gs1_prefix`` (the counter never reuses)."""
    if not brand.gs1_prefix or not brand.gs1_prefix.isdigit():
        raise ValidationFailed(
            CatalogError.NO_GS1_PREFIX, _("The brand has no GS1 prefix for in-house barcodes.")
        )
    rule, _created = SkuCodeRule.objects.select_for_update().get_or_create(brand=brand)
    from .models import Barcode

    while True:
        code = make_ean13(brand.gs1_prefix, rule.in_house_next)
        rule.in_house_next += 1
        if not Barcode.objects.filter(code=code).exists():
            break
    rule.save(update_fields=["in_house_next"])
    return code
