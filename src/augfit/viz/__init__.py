"""Showing what augmentation does: shared by the preview page and the report's sample grids.

* :mod:`.explain`: the drawn parameters of each sample, in words, from a pipeline's record;
* :mod:`.gallery`: originals and seeded augmented versions with their labels and draws;
* :mod:`.panels`: images and spectrograms (time and mel-frequency axes, colour bar) as PNG;
* :mod:`.sound`: playable audio for spectrogram pipelines (Griffin-Lim mel inversion);
* :mod:`.figures`: pyplot-free matplotlib figures and PNG bytes.

This package sits above transforms and data and below experiments; it imports neither the
experiments nor the preview.
"""
