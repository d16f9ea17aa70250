"""Built-in dataset loaders, one small module each; importing this package registers them all."""
from . import digits  # noqa: F401
