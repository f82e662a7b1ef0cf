"""Photos of activities: images only, size-bounded. What arrives is decoded by
Pillow and re-encoded as JPEG, so only pixels are kept — never the sender's
bytes (a file that merely names itself .jpg, metadata, anything appended) — and
a photo is at most MAX_SIDE pixels on its longer side."""
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from fieldops.core.translations import lazy_gettext as _l

# What may be sent: a phone's photo, well within; larger is refused, not shrunk.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_UPLOAD_SHOWN = "8 MB"
# More pixels than any camera makes: a small file that decodes to a huge image is refused before decoding.
MAX_PIXELS = 50_000_000
MAX_SIDE = 1600
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


class PhotoError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Photo:
    data: bytes
    width: int
    height: int
    filename: str
    content_type: str = "image/jpeg"


def _looks_like_image(head: bytes) -> bool:
    return head.startswith(_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def read_photo(stream, filename="") -> Photo:
    """The photo in `stream`, checked and re-encoded; PhotoError says why not."""
    raw = stream.read(MAX_UPLOAD_BYTES + 1)
    if not raw:
        raise PhotoError(_l("This file is empty."))
    if len(raw) > MAX_UPLOAD_BYTES:
        raise PhotoError(_l("This photo is too large: at most %(max)s.", max=MAX_UPLOAD_SHOWN))
    if not _looks_like_image(raw[:16]):
        raise PhotoError(_l("This file is not a photo: send a JPEG, PNG, WebP or GIF image."))
    try:
        with Image.open(io.BytesIO(raw), formats=FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoError(_l("This image has too many pixels."))
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=82, optimize=True)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise PhotoError(_l("This file is not a photo that can be read: send a JPEG, PNG, WebP or GIF image."))
    name = "".join(ch for ch in (filename or "") if ch.isprintable())[:200]
    return Photo(out.getvalue(), image.width, image.height, name)
