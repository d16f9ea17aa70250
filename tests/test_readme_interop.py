"""The docs' "Your stack" section keeps its six examples, each showing its output.
tests/test_readme.py runs every docs block and checks the ``# ->`` output."""
from __future__ import annotations

from test_readme import REPO, section_blocks


def test_the_section_has_the_six_examples() -> None:
    blocks = section_blocks("## Your stack: PyTorch, scikit-learn, tables, MLflow, progress",
                            REPO / "docs" / "integrations.md")
    # tensors, the torch DataLoader (batch sampler; set_epoch), GridSearchCV, sklearn's names,
    # tables and MLflow
    assert len(blocks) == 6 and all(b.shows_output for b in blocks)
