"""Audio speed, measured against the peers in one run (a benchmark, not a test).

1. Batched log-mel (augfit ``log_mel``: one ``librosa.stft`` call for the batch, cached filterbank,
   per-clip ``power_to_db``) against ``librosa.feature.melspectrogram`` + ``power_to_db`` per clip,
   on FSDD clips padded to 1 s at 8 kHz (synthetic speech-like noise if FSDD is not found).
2. SpecAugment, 2 frequency + 2 time masks on 256 spectrograms of 128 x 64: augfit
   ``Compose([FrequencyMask, TimeMask])`` (masks drawn for the batch, one fancy-indexed write per
   transform) against audiomentations' ``SpecFrequencyMask`` per clip (time masks through the same
   class on the transposed spectrogram) and a plain per-clip Python loop writing slices in place.

audiomentations 0.43 still ships ``spec_augmentations/spec_frequency_mask.py`` but no longer defines
the ``BaseSpectrogramTransform`` it imports; this script defines that small base (as in
audiomentations 0.33: draw ``should_apply``, then ``apply``) before importing it, so the peer's own
masking code is what is timed.

Run: ``.venv/bin/python benchmarks/audio_aug.py [--clips 512] [--rounds 5]``
"""
from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

import numpy as np
from _timing import Timing, compare_line, interleaved, load, method, rate_line  # (script folder)

from augfit import Compose
from augfit.transforms.audio import FrequencyMask, TimeMask
from augfit.transforms.audio.mel import log_mel

SR, N_MELS, N_FFT, HOP, LENGTH = 8000, 40, 256, 128, 8000


def show(label: str, n: int, t: Timing) -> str:
    return rate_line(label, t, n, unit="clips/s")


def load_clips(n: int) -> tuple[np.ndarray, str]:
    default = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "fsdd"
    folder = Path(os.environ.get("AUGFIT_FSDD", default)) / "recordings"
    files = sorted(folder.glob("*.wav"))[:n] if folder.is_dir() else []
    if len(files) < n:
        rng = np.random.default_rng(0)
        env = np.hanning(LENGTH)[None] * rng.uniform(0.05, 0.5, (n, 1))
        return (env * rng.standard_normal((n, LENGTH))).astype(np.float32), "synthetic noise bursts"
    import soundfile as sf

    x = np.zeros((n, LENGTH), np.float32)
    for i, f in enumerate(files):
        data, _ = sf.read(f, dtype="float32")
        x[i, :min(len(data), LENGTH)] = data[:LENGTH]
    return x, f"FSDD recordings from {folder}"


def bench_logmel(n: int, repeat: int) -> None:
    import librosa

    x, source = load_clips(n)
    log_mel(x[:2], SR, N_MELS, N_FFT, HOP)  # warm up (imports, filterbank cache)

    def per_clip() -> list[np.ndarray]:
        return [librosa.power_to_db(librosa.feature.melspectrogram(
            y=c, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)) for c in x]

    t = interleaved({"batched": lambda: log_mel(x, SR, N_MELS, N_FFT, HOP),
                     "per clip": per_clip}, repeat)
    print(f"log-mel, {n} clips of {LENGTH / SR:.0f} s at {SR} Hz ({source}), n_fft={N_FFT} "
          f"hop={HOP} n_mels={N_MELS}")
    print(show("augfit batched log_mel", n, t["batched"]))
    print(show("librosa per clip", n, t["per clip"]))
    print(compare_line("batched vs per clip", t["batched"], t["per clip"], 4.0))


def audiomentations_spec_mask() -> type:
    import audiomentations.core.transforms_interface as ti

    if not hasattr(ti, "BaseSpectrogramTransform"):
        # the 0.33 base class that the 0.43 module still imports
        class BaseSpectrogramTransform(ti.BaseTransform):
            def randomize_parameters(self, magnitude_spectrogram: np.ndarray) -> None:
                del magnitude_spectrogram  # the 0.33 signature; the draw does not look at it
                self.parameters["should_apply"] = random.random() < self.p

            def __call__(self, magnitude_spectrogram: np.ndarray) -> np.ndarray:
                if not self.are_parameters_frozen:
                    self.randomize_parameters(magnitude_spectrogram)
                if self.parameters["should_apply"]:
                    return self.apply(magnitude_spectrogram)
                return magnitude_spectrogram

            def to_dict_private(self) -> dict:
                return {"__class_fullname__": self.get_class_fullname(),
                        **self.get_base_init_args(), **self.get_transform_init_args()}

        ti.BaseSpectrogramTransform = BaseSpectrogramTransform
    from audiomentations.spec_augmentations.spec_frequency_mask import SpecFrequencyMask

    return SpecFrequencyMask


def bench_masks(repeat: int, n: int = 256, f: int = 128, t: int = 64) -> None:
    spec = np.random.default_rng(0).normal(-40, 10, (n, f, t)).astype(np.float32)
    fw, tw = int(0.15 * f), int(0.15 * t)  # widths up to 15 % of each axis, for every contestant
    aug = Compose([FrequencyMask(max_width=fw, num_masks=2, mask_value="zero"),
                   TimeMask(max_width=tw, num_masks=2, mask_value="zero")], seed=0)

    def loop() -> np.ndarray:
        rng = np.random.default_rng(0)
        out = spec.copy()
        for s in out:
            for _ in range(2):
                w = int(rng.integers(0, fw + 1))
                a = int(rng.integers(0, f - w + 1))
                s[a:a + w] = 0.0
            for _ in range(2):
                w = int(rng.integers(0, tw + 1))
                a = int(rng.integers(0, t - w + 1))
                s[:, a:a + w] = 0.0
        return out

    spec_mask = audiomentations_spec_mask()
    fmask = spec_mask(min_mask_fraction=0.0, max_mask_fraction=0.15, fill_mode="constant", p=1.0)
    tmask = spec_mask(min_mask_fraction=0.0, max_mask_fraction=0.15, fill_mode="constant", p=1.0)

    def audiomentations_per_clip() -> np.ndarray:
        random.seed(0)  # the peer uses the global random module; seeded here for a repeatable run
        out = np.empty_like(spec)
        for i, s in enumerate(spec):
            s = fmask(fmask(s))
            out[i] = tmask(tmask(s.T)).T
        return out

    r = interleaved({"augfit": lambda: aug(spec), "loop": loop,
                     "audiomentations": audiomentations_per_clip}, repeat)
    print(f"SpecAugment 2 freq + 2 time masks, {n} spectrograms of {f}x{t} float32")
    print(show("augfit batched (Compose)", n, r["augfit"]))
    print(show("plain per-clip Python loop", n, r["loop"]))
    print(show("audiomentations per clip", n, r["audiomentations"]))
    print(compare_line("augfit vs loop", r["augfit"], r["loop"], 1.0))
    print(compare_line("augfit vs audiomentations", r["augfit"], r["audiomentations"], 2.0))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", type=int, default=512, help="clips for the log-mel comparison")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds per comparison")
    args = ap.parse_args(argv)
    print(method(args.rounds))
    bench_logmel(args.clips, args.rounds)
    bench_masks(args.rounds)
    print(f"at the end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
