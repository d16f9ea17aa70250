"""Built-in dataset loaders, one small module each; importing this package registers them all."""
from . import (  # noqa: F401
    audio_folder, csv_text, digits, fashion_mnist, folder, fsdd, image_folder, npz,
    rotten_tomatoes, spoken_digits_tts)
from .fsdd import official_split

__all__ = ["official_split"]
