"""The docs' "Run the comparison on your own data" section keeps its examples (image folder,
CSV, DataFrame), each showing its output. tests/test_readme.py runs every docs block and checks
the ``# ->`` output."""
from __future__ import annotations

from test_readme import REPO, section_blocks


def test_the_section_has_the_required_examples() -> None:
    blocks = section_blocks("## Run the comparison on your own data",
                            REPO / "docs" / "own-data.md")
    joined = "\n".join(b.source for b in blocks)
    assert len(blocks) >= 3 and all(b.shows_output for b in blocks)
    for needle in ('"image_folder"', '"csv"', "pd.read_csv", "data=(df,"):
        assert needle in joined, needle
