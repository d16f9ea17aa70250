#!/usr/bin/env bash
# Installs the system packages augfit uses: WordNet 3.0 (rebuilding the synonym table), apertium eng<->spa
# (back-translation), espeak-ng (synthesized spoken digits), Fashion-MNIST, Chromium (report
# checks), sox and libsndfile (audio I/O). Uses apt-get where it exists; elsewhere it lists what
# is missing and how to get it, and exits 0 so the Python parts still install.
set -u
PKGS="wordnet-base wordnet-sense-index apertium-eng-spa espeak-ng dataset-fashion-mnist chromium sox libsndfile1"

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && { echo "system packages: all present"; exit 0; }

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  echo "installing system packages:$missing"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null \
    && { echo "system packages installed"; exit 0; }
  echo "apt-get could not install:$missing" >&2
fi
cat >&2 <<MSG
augfit: these system packages are missing:$missing
  They are optional: without them the matching features raise MissingResourceError.
  - wordnet-base wordnet-sense-index: WordNet 3.0, only to rebuild the shipped synonym table
    (scripts/build_synonyms.py), for the NLTK comparison test and the text benchmark
  - apertium-eng-spa: back-translation (text BackTranslate)
  - espeak-ng: the spoken_digits_tts dataset
  - dataset-fashion-mnist: the fashion_mnist dataset (or pass path= to a folder of idx files)
  - chromium: rendering checks of HTML reports in the tests
  - sox, libsndfile1: audio file I/O
  On Debian/Ubuntu: sudo apt-get install$missing
MSG
exit 0
