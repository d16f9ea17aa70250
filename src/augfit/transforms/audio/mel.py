"""Batched log-mel spectrograms (MelSpectrogram, audio_logmel featurizer): being written under issue 7."""
