"""Reading one image file safely: by its bytes (any file name the OS allows), its size read from
the header and capped before anything is decoded, EXIF orientation applied in grey and colour."""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np

from ...checks import is_int, show
from ...errors import ConfigError, ShapeError

#: the most pixels (height x width) one image may have unless ``max_pixels`` says more: a 875 KB
#: PNG can declare 2^30 pixels, which decode to gigabytes
IMAGE_MAX_PIXELS = 50_000_000


def header_size(raw: bytes) -> tuple[int, int] | None:
    """``(height, width)`` from the header of a PNG, JPEG, BMP, GIF or WebP file (None for other
    formats or a header that cannot be read: the decoder then judges the file)."""
    if raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR" and len(raw) >= 24:
        w, h = struct.unpack(">II", raw[16:24])
        return h, w
    if raw[:2] == b"BM" and len(raw) >= 26:
        w, h = struct.unpack("<ii", raw[18:26])
        return abs(h), abs(w)
    if raw[:6] in (b"GIF87a", b"GIF89a") and len(raw) >= 10:
        w, h = struct.unpack("<HH", raw[6:10])
        return h, w
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return _webp_size(raw)
    if raw[:2] == b"\xff\xd8":
        return _jpeg_size(raw)
    return None


def _webp_size(raw: bytes) -> tuple[int, int] | None:
    kind = raw[12:16]
    if kind == b"VP8X" and len(raw) >= 30:
        w = int.from_bytes(raw[24:27], "little") + 1
        h = int.from_bytes(raw[27:30], "little") + 1
        return h, w
    if kind == b"VP8L" and len(raw) >= 25:
        bits = int.from_bytes(raw[21:25], "little")
        return ((bits >> 14) & 0x3FFF) + 1, (bits & 0x3FFF) + 1
    if kind == b"VP8 " and len(raw) >= 30:
        w, h = struct.unpack("<HH", raw[26:30])
        return h & 0x3FFF, w & 0x3FFF
    return None


def _jpeg_size(raw: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(raw):
        if raw[pos] != 0xFF:
            return None
        marker = raw[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            pos += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", raw[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", raw[pos + 5:pos + 9])
            return h, w
        pos += 2 + length
    return None


def check_pixels(raw: bytes, path: Path, max_pixels: int, owner: str) -> None:
    """ConfigError naming the file when its header declares more than ``max_pixels`` pixels."""
    size = header_size(raw)
    if size is not None and size[0] * size[1] > max_pixels:
        raise ConfigError(
            f"{owner}: {path} is {size[0]}x{size[1]} (HxW) = {size[0] * size[1]} pixels, more "
            f"than the cap max_pixels={max_pixels}; shrink the image, or raise the cap (dataset "
            "option max_pixels) if it really is that large")


def decode_image(path: Path, grayscale: bool, max_pixels: int, owner: str) -> np.ndarray:
    """The image in ``path`` as cv2 decodes it (BGR/BGRA/grey, 8 or 16 bits), EXIF orientation
    applied; read by bytes, so any file name works."""
    import cv2

    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ShapeError(f"{owner}: cannot read {path}: {e.strerror or type(e).__name__}") from None
    check_pixels(raw, path, max_pixels, owner)
    # libjpeg decodes a cut-off file with a grey bottom and only a warning: check the end marker
    if raw[:2] == b"\xff\xd8" and not raw[-64:].rstrip(b"\0\r\n ").endswith(
            b"\xff\xd9"):
        raise ShapeError(f"{owner}: {path} is a truncated JPEG (no end-of-image marker); "
                         "re-export or remove it")
    flags = cv2.IMREAD_GRAYSCALE if grayscale else cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH
    try:
        img = cv2.imdecode(np.frombuffer(raw, np.uint8), flags) if raw else None
    except cv2.error:  # e.g. over OpenCV's own limit of 2^30 pixels, in a format without a header
        raise ConfigError(f"{owner}: {path} is too large for the image decoder (over 2^30 "
                          "pixels?) or malformed; shrink or re-export it") from None
    if img is None:
        raise ShapeError(f"{owner}: cannot decode image {path} (truncated or not an image); "
                         "re-export or remove it")
    return img


def check_size(size: Any, loader: str, max_pixels: int = IMAGE_MAX_PIXELS
               ) -> tuple[int, int] | None:
    """``size`` as ``(H, W)`` ints >= 1 with at most ``max_pixels`` pixels, or None."""
    if size is None:
        return None
    ok = (isinstance(size, (list, tuple)) and len(size) == 2
          and all(is_int(v) and v >= 1 for v in size))
    if not ok:
        raise ConfigError(f"{loader}(size=...) must be [height, width] in pixels, e.g. [28, 28], "
                          f"got {show(size)}")
    if int(size[0]) * int(size[1]) > max_pixels:
        raise ConfigError(f"{loader}(size=...): {int(size[0])}x{int(size[1])} is more than the "
                          f"cap max_pixels={max_pixels} pixels; choose a smaller size or raise "
                          "max_pixels")
    return int(size[0]), int(size[1])


__all__ = ["IMAGE_MAX_PIXELS", "check_pixels", "check_size", "decode_image", "header_size"]
