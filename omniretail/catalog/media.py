"""Product images and videos on the default storage, checked by content (not by the name
the client sent) and given a JPEG thumbnail."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from omniretail.core import audit, clock
from omniretail.core.errors import ValidationFailed

from .errors import CatalogError
from .models import MediaKind, Product, ProductMedia, Sku

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
THUMB_SIZE = (320, 320)


def _video_type(head: bytes) -> str | None:
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    return None


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.convert("RGB")
    thumb.thumbnail(THUMB_SIZE)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=82)
    return out.getvalue()


@transaction.atomic
def add_media(
    product: Product, upload: UploadedFile, *, sku: Sku | None = None, sort_order: int = 0
) -> ProductMedia:
    """Store one upload after checking its real type and size; refuses everything else with
    ``media_type_not_allowed`` / ``media_too_large`` and writes nothing."""
    size = upload.size or 0
    head = upload.read(16)
    upload.seek(0)
    video = _video_type(head)
    width = height = None
    thumb: bytes | None = None
    if video:
        kind, content_type, limit = MediaKind.VIDEO, video, MAX_VIDEO_BYTES
    else:
        try:
            with Image.open(upload) as probe:
                fmt = probe.format or ""
                if fmt not in IMAGE_FORMATS:
                    raise UnidentifiedImageError(fmt)
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationFailed(
                        CatalogError.MEDIA_TOO_LARGE,
                        _("The image has too many pixels."),
                        {"max_pixels": MAX_PIXELS},
                    )
                probe.load()
                width, height = probe.size
                thumb = _thumbnail(probe)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
            raise ValidationFailed(
                CatalogError.MEDIA_TYPE,
                _("Only JPEG, PNG or WebP images and MP4 or WebM videos can be uploaded."),
                {"allowed": [*IMAGE_FORMATS.values(), "video/mp4", "video/webm"]},
            ) from exc
        upload.seek(0)
        kind, content_type, limit = MediaKind.IMAGE, IMAGE_FORMATS[fmt], MAX_IMAGE_BYTES
    if size > limit:
        raise ValidationFailed(
            CatalogError.MEDIA_TOO_LARGE,
            _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            {"max_bytes": limit, "size": size},
        )
    ext = content_type.split("/")[1].replace("jpeg", "jpg")
    media = ProductMedia(
        product=product,
        sku=sku,
        kind=kind,
        content_type=content_type,
        size_bytes=size,
        width=width,
        height=height,
        sort_order=sort_order,
        created_at=clock.now(),
    )
    media.file.save(f"{product.code}.{ext}", upload, save=False)
    if thumb is not None:
        media.thumbnail.save(f"{product.code}-thumb.jpg", ContentFile(thumb), save=False)
    media.save()
    audit.record(
        "catalog.media.add",
        product,
        changes={"media_id": media.pk, "kind": kind, "size": size},
        brand_id=product.brand_id,
    )
    return media
