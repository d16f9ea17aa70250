"""The docs' "More regularizers" section keeps its three examples, each showing its output.
tests/test_readme.py runs every docs block and checks the ``# ->`` output."""
from __future__ import annotations

from test_readme import REPO, section_blocks


def test_the_section_has_its_three_examples() -> None:
    blocks = section_blocks("## More regularizers: MixUp, CutMix, label smoothing, weight decay",
                            REPO / "docs" / "regularizers.md")
    assert len(blocks) == 3 and all(b.shows_output for b in blocks)
