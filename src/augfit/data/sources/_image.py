"""Reading one image file safely: by its bytes (any file name the OS allows), its size read from
the header and capped before anything is decoded, EXIF orientation applied in grey and colour."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ...checks import is_int, show
from ...errors import ConfigError, ShapeError

#: the most pixels (height x width) one image may have unless ``max_pixels`` says more: a 875 KB
#: PNG can declare 2^30 pixels, which decode to gigabytes
IMAGE_MAX_PIXELS = 50_000_000


#: the formats whose size is read from the header; a file holding anything else (the decoder
#: also reads PNM, PFM, HDR, Sun raster, JPEG 2000 and AVIF, whatever the file's extension) is
#: refused before decoding
HEADER_FORMATS = "PNG, JPEG, BMP, GIF, WebP or TIFF"


def header_size(raw: bytes) -> tuple[int, int] | None:
    """``(height, width)`` from the header of a PNG, JPEG, BMP, GIF, WebP or TIFF file (None for
    other formats or a header that cannot be read)."""
    if raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR" and len(raw) >= 24:
        w, h = struct.unpack(">II", raw[16:24])
        return h, w
    if raw[:2] == b"BM" and len(raw) >= 26:
        if raw[14:18] == b"\x0c\0\0\0":  # OS/2 BITMAPCOREHEADER: 16-bit sizes
            w, h = struct.unpack("<HH", raw[18:22])
            return h, w
        w, h = struct.unpack("<ii", raw[18:26])
        return abs(h), abs(w)
    if raw[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return _tiff_size(raw)
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


def _tiff_size(raw: bytes) -> tuple[int, int] | None:
    """Width (tag 256) and length (257) of a TIFF's first directory, the page the decoder reads;
    classic TIFF and BigTIFF, either byte order, SHORT, LONG or LONG8 values."""
    end = "<" if raw[:2] == b"II" else ">"
    big = raw[2:4] in (b"+\0", b"\0+")
    # classic: offset at 4, 2-byte count, 12-byte entries (tag, type, count 4, value 4);
    # BigTIFF: offset at 8, 8-byte count, 20-byte entries (tag, type, count 8, value 8)
    offset, count, entry, value_at = ("Q", "Q", 20, 12) if big else ("I", "H", 12, 8)
    sizes: dict[int, int] = {}
    try:
        (ifd,) = struct.unpack_from(end + offset, raw, 8 if big else 4)
        (n,) = struct.unpack_from(end + count, raw, ifd)
        start = ifd + struct.calcsize(count)
        for at in range(start, start + min(n, 4096) * entry, entry):
            tag, kind = struct.unpack_from(end + "HH", raw, at)
            fmt = {3: "H", 4: "I", 16: "Q"}.get(kind)
            if tag in (256, 257) and fmt is not None:
                (sizes[tag],) = struct.unpack_from(end + fmt, raw, at + value_at)
    except struct.error:  # cut off inside the header
        return None
    if 256 not in sizes or 257 not in sizes:
        return None
    return sizes[257], sizes[256]


def _jpeg_size(raw: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(raw):
        if raw[pos] != 0xFF:  # libjpeg skips stray bytes between segments: so does this
            pos += 1
            continue
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
    """ConfigError naming the file when its header declares more than ``max_pixels`` pixels;
    ShapeError when its size cannot be read from a header (not an image of a known format, or cut
    off), so nothing is decoded whose size is unknown."""
    size = header_size(raw)
    if size is None:
        raise ShapeError(f"{owner}: cannot decode image {path}: it is not a {HEADER_FORMATS} file "
                         "whose size its header gives (empty, cut off or another format); "
                         "re-export it as PNG or remove it")
    if size[0] * size[1] > max_pixels:
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


def check_size(size: object, loader: str, max_pixels: int = IMAGE_MAX_PIXELS
               ) -> tuple[int, int] | None:
    """``size`` as ``(H, W)`` ints >= 1 with at most ``max_pixels`` pixels, or None."""
    if size is None:
        return None
    if not (isinstance(size, (list, tuple)) and len(size) == 2
            and all(is_int(v) and v >= 1 for v in size)):
        raise ConfigError(f"{loader}(size=...) must be [height, width] in pixels, e.g. [28, 28], "
                          f"got {show(size)}")
    if int(size[0]) * int(size[1]) > max_pixels:
        raise ConfigError(f"{loader}(size=...): {int(size[0])}x{int(size[1])} is more than the "
                          f"cap max_pixels={max_pixels} pixels; choose a smaller size or raise "
                          "max_pixels")
    return int(size[0]), int(size[1])


__all__ = ["HEADER_FORMATS", "IMAGE_MAX_PIXELS", "check_pixels", "check_size", "decode_image",
           "header_size"]
