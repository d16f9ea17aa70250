"""Built-in dataset loaders, one small module each; importing this package registers them all."""
from . import digits, fashion_mnist, folder, fsdd, rotten_tomatoes, spoken_digits_tts  # noqa: F401
from .fsdd import official_split

__all__ = ["official_split"]
