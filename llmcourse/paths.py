"""Where things live: the repository, its data, results and the git-ignored artifacts cache."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_GLOB = "[0-9][0-9]*_*.ipynb"  # a lesson or an appendix: 01_rag, 02b_appendix_forgetting (not checkpoints)
RESULTS = Path(os.environ.get("LLMCOURSE_RESULTS", ROOT / "results"))
CACHE = Path(os.environ.get("LLMCOURSE_CACHE", ROOT / "artifacts"))


def cache_dir(*parts: str) -> Path:
    """A folder inside the artifacts cache, created on demand."""
    path = CACHE.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
