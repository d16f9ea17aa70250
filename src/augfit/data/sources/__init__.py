"""Built-in dataset loaders, one small module each; importing this package registers them all."""
from ..splits import official_split
from . import (  # noqa: F401
    audio_folder,
    csv_text,
    digits,
    fashion_mnist,
    folder,
    fsdd,
    image_folder,
    npz,
    rotten_tomatoes,
    spoken_digits_tts,
)

# loaders of a file format (the user's own files) rather than of one dataset; every other loader
# has a dataset card in the repository's datasets/ folder
FILE_FORMATS = ("audio_folder", "csv", "folder", "image_folder", "npz")

__all__ = ["FILE_FORMATS", "official_split"]
