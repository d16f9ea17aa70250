"""Image transforms on batches (N, H, W) or (N, H, W, C), uint8 or float32 in [0, 1].

Each sample gets its own parameters; geometric steps fuse into one resampling inside a Compose.
Importing this package registers every transform in :data:`augfit.registry.TRANSFORMS`.
"""
from __future__ import annotations

# albumentations itself is imported only when an Albumentations adapter is built
from .albumentations_adapter import Albumentations
from .blur import GaussianBlur, MotionBlur
from .color import Brightness, BrightnessContrast, Contrast, Grayscale
from .core import GeometricTransform, ImageTransform
from .crop import CenterCrop, RandomCrop, RandomResizedCrop
from .elastic import ElasticTransform, Perspective
from .enhance import AutoContrast, Color, Equalize, Posterize, Sharpness, Shear, Solarize
from .flip import HorizontalFlip, VerticalFlip
from .geometric import Affine, Rotate, Scale, Translate
from .mix import CutMix
from .noise import Cutout, GaussianNoise
from .policies import RandAugment, TrivialAugmentWide

__all__ = ["Affine", "Albumentations", "AutoContrast", "Brightness", "BrightnessContrast",
           "CenterCrop", "Color", "Contrast", "CutMix", "Cutout", "ElasticTransform", "Equalize",
           "GaussianBlur", "GaussianNoise", "GeometricTransform", "Grayscale", "HorizontalFlip",
           "ImageTransform", "MotionBlur", "Perspective", "Posterize", "RandAugment",
           "RandomCrop", "RandomResizedCrop", "Rotate", "Scale", "Sharpness", "Shear", "Solarize",
           "Translate", "TrivialAugmentWide", "VerticalFlip"]
