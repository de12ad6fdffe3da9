"""The lesson diagrams: committed PNGs match their source, every lesson has one, text fits, notebooks carry them."""
import base64
import shutil

import matplotlib
import nbformat
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imread
from matplotlib.path import Path as MplPath

from llmcourse import diagrams
from llmcourse.course import NOTEBOOKS
from llmcourse.paths import NOTEBOOK_GLOB, ROOT

APPENDIX = "05_appendix_vector_indexes"  # joins course.NOTEBOOKS soon


def test_every_lesson_has_a_diagram():
    assert set(NOTEBOOKS) | {APPENDIX} <= set(diagrams.DIAGRAMS)


@pytest.mark.parametrize("stem", sorted(diagrams.DIAGRAMS))
def test_committed_png_is_what_the_source_draws(stem, tmp_path):
    """Byte-identical with the pinned matplotlib; if only the PNG encoder differs (another Pillow/zlib), the
    decoded pixels must still be identical."""
    committed = diagrams.FOLDER / f"{stem}.png"
    assert committed.exists(), f"{committed} missing: run llmcourse.diagrams.write_all()"
    fresh = diagrams.png_bytes(stem)
    if fresh != committed.read_bytes():
        (tmp_path / "fresh.png").write_bytes(fresh)
        a, b = imread(committed), imread(tmp_path / "fresh.png")
        assert a.shape == b.shape and np.array_equal(a, b), f"{stem}.png is stale: run llmcourse.diagrams.write_all()"


def test_png_bytes_are_deterministic_and_ignore_the_callers_style():
    stem = "03_agents"
    first = diagrams.png_bytes(stem)
    assert diagrams.png_bytes(stem) == first
    with matplotlib.style.context("ggplot"), matplotlib.rc_context({"savefig.bbox": "tight", "savefig.dpi": 300,
                                                                     "font.size": 20, "savefig.facecolor": "black"}):
        assert diagrams.png_bytes(stem) == first


def layout_problems(stem: str) -> list[str]:
    """Text that leaves its box, boxes that overlap, labels on boxes, arrows through boxes, anything off the page."""
    fig = diagrams.draw(stem)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    ext = {a.get_gid(): a.get_window_extent(renderer) for a in ax.patches + ax.texts if a.get_gid()}
    boxes = {g.split(":", 1)[1]: e for g, e in ext.items() if g.startswith("box:")}
    panels = {g.split(":", 1)[1]: e for g, e in ext.items() if g.startswith("panel:")}
    problems = [f"{g} is off the page" for g, e in ext.items() if not fig.bbox.padded(-1).contains(e.x0, e.y0)
                or not fig.bbox.padded(-1).contains(e.x1, e.y1)]
    for kind, owners in (("text", boxes), ("plabel", panels)):
        for name, box in owners.items():
            t = ext[f"{kind}:{name}"]
            if not (box.x0 + 3 <= t.x0 and t.x1 <= box.x1 - 3 and box.y0 + 2 <= t.y0 and t.y1 <= box.y1 - 2):
                problems.append(f"{kind} of {name} does not fit its frame")
    names = sorted(boxes)
    problems += [f"boxes {a} and {b} overlap" for i, a in enumerate(names) for b in names[i + 1:]
                 if boxes[a].overlaps(boxes[b])]
    for p, pe in panels.items():
        problems += [f"box {b} straddles panel {p}" for b, be in boxes.items()
                     if pe.overlaps(be) and not (pe.x0 <= be.x0 and be.x1 <= pe.x1 and pe.y0 <= be.y0 and be.y1 <= pe.y1)]
    problems += [f"the title overlaps panel {p}" for p, pe in panels.items() if ext["title"].overlaps(pe)]
    loose = {g: e for g, e in ext.items() if g.startswith(("label:", "note:", "plabel:", "title"))}
    for g, e in loose.items():
        problems += [f"{g} covers box {b}" for b, be in boxes.items() if e.overlaps(be)]
        problems += [f"{g} overlaps {h}" for h, f in loose.items() if h > g and e.overlaps(f)]
    for arrow in (a for a in ax.patches if (a.get_gid() or "").startswith("arrow:")):
        _, _, src, dst = arrow.get_gid().split(":", 3)
        ends = {src.split(":")[0], dst.split(":")[0]}
        path = arrow.get_path()
        polys = [MplPath(p) for p in path.to_polygons(closed_only=False)]
        for b, be in boxes.items():
            if b not in ends and any(p.intersects_bbox(be, filled=False) for p in polys):
                problems.append(f"arrow {src}->{dst} crosses box {b}")
    return problems


@pytest.mark.parametrize("stem", sorted(diagrams.DIAGRAMS))
def test_layout_is_clean(stem):
    assert layout_problems(stem) == []


def _notebook(tmp_path, stem):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_markdown_cell(diagrams.markdown_cell(stem)),
                nbformat.v4.new_code_cell("1 + 1")]
    path = tmp_path / f"{stem}.ipynb"
    nbformat.write(nb, path)
    return path


def test_sync_attachment_inserts_the_png_once(tmp_path):
    stem = "01_rag"
    path = _notebook(tmp_path, stem)
    assert diagrams.sync_attachment(path) is True
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    data = nb.cells[1].attachments[f"{stem}.png"]["image/png"]
    assert base64.b64decode(data) == (diagrams.FOLDER / f"{stem}.png").read_bytes()
    before = path.read_bytes()
    assert diagrams.sync_attachment(path) is False
    assert path.read_bytes() == before


def test_sync_attachment_leaves_a_notebook_without_the_cell_alone(tmp_path):
    path = tmp_path / "02_finetuning.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("no diagram here")]), path)
    before = path.read_bytes()
    assert diagrams.sync_attachment(path) is False
    assert path.read_bytes() == before


def test_markdown_cell_points_at_the_attachment_and_names_the_source():
    for stem, spec in diagrams.DIAGRAMS.items():
        text = diagrams.markdown_cell(stem)
        assert f"](attachment:{stem}.png)" in text and "llmcourse/diagrams.py" in text
        assert not set("[]") & set(spec["alt"]), f"{stem}: square brackets would break the alt text of ![alt](...)"


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob(NOTEBOOK_GLOB)), ids=lambda p: p.stem)
def test_solution_notebooks_carry_the_committed_diagram(path, tmp_path):
    """A notebook that shows its diagram holds the committed PNG (run sync_attachment after write_all)."""
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    assert diagrams.sync_attachment(copy) is False, f"{path.name}: run llmcourse.diagrams.sync_attachment on it"
