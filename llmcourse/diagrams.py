"""One pipeline diagram per lesson, drawn with matplotlib from its declarative source in DIAGRAMS.

A spec places, in inches on a figure WIDTH wide: panels (x0, y0, x1, y1, label), boxes (centre x, centre y, width,
height, text, kind), arrows (from, to[, label[, bend]]) whose ends are "box", "box:n|s|e|w" (a side) or an (x, y)
point, notes (x, y, text) and free marks (the appendix's dots and rings). `write_all()` renders docs/diagrams/*.png,
byte-identical on every run; `sync_attachment()` embeds a PNG in its notebook's markdown cell as an attachment."""
from __future__ import annotations

import base64
import io
import math
from pathlib import Path

import matplotlib
import nbformat
from matplotlib import colors, style
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .paths import ROOT

FOLDER = ROOT / "docs" / "diagrams"
DPI = 110  # 8.2 in wide -> 902 px: the width of a notebook's markdown column
WIDTH = 8.2
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # the bundled DejaVu Sans: the same glyphs on every machine
# Okabe-Ito colours (safe for colour-blind readers); text stays black on a light tint of each.
KINDS = {"data": "#0072B2", "store": "#56B4E9", "step": "#009E73", "model": "#E69F00", "out": "#CC79A7",
         "check": "#D55E00", "frozen": "#999999", "note": "#FFFFFF"}
INK = "#222222"


def _tint(colour: str, keep: float = 0.25) -> tuple:
    return tuple(keep * c + (1 - keep) for c in colors.to_rgb(colour))


def _cloud(cx, cy, n, r):
    """n points spread evenly over a disc (a sunflower spiral): deterministic stand-ins for vectors."""
    return [(cx + r * math.sqrt((i + .5) / n) * math.cos(2.4 * i), cy + r * math.sqrt((i + .5) / n) * math.sin(2.4 * i)) for i in range(n)]


def _index_marks() -> dict:
    """Pictures for the appendix: Flat (the query against every vector), IVF (cells; the nprobe nearest are
    searched), HNSW (layers: a greedy walk along the sparse top layer, then down to the full bottom layer)."""
    flat_q, flat, legend = (1.43, 3.65), _cloud(1.43, 3.65, 14, 0.7), [(1.72, 4.62), (1.72, 4.4)]
    cells = [(3.55, 4.05), (4.55, 4.1), (3.6, 3.3), (4.6, 3.3)]
    layers = {4.3: [0, 4], 3.75: [0, 2, 4, 7], 3.2: list(range(8))}  # y -> the nodes on that layer
    node = lambda y, i: (6.05 + 0.26 * i, y)
    walk = [node(4.3, 0), node(4.3, 4), node(3.75, 4), node(3.2, 4), node(3.2, 5)]
    ivf = [p for c in cells for p in _cloud(*c, 4, 0.2)]
    return {"dots": legend[1:] + flat + ivf + [node(y, i) for y, ids in layers.items() for i in ids],
            "queries": [legend[0], flat_q, (4.3, 3.72), (node(0, 5)[0] + 0.05, 2.95)], "path": list(zip(walk, walk[1:])),
            "edges": [(flat_q, p) for p in flat] + [(node(y, a), node(y, b)) for y, ids in layers.items() for a, b in zip(ids, ids[1:])],
            "links": [(node(4.3, i), node(3.2, i)) for i in layers[3.75]],
            "rings": [(*c, 0.34, "store" if i % 2 else "frozen") for i, c in enumerate(cells)]}


DIAGRAMS = {
    "00_setup_and_domain": {
        "title": "The course map: Voltbird's data, and one harness that scores every approach", "size": (WIDTH, 4.3),
        "alt": "Course map: the Voltbird data (knowledge-base documents, a SQLite database, support tickets) and the eval sets split "
               "into train, dev and test feed one harness: an approach produces outputs, a strict scorer checks them against the gold "
               "answers, the scores go to results/*.json and from there to the README. The no-help baseline is the first approach; "
               "lessons 01 to 04 add RAG, fine-tuning, agents and their combinations.",
        "panels": {"data": (0.15, 2.75, 5.3, 3.95, "Voltbird data (an invented e-bike maker)")},
        "boxes": {"kb": (1.0, 3.3, 1.5, 0.62, "KB documents\nmanuals, policies", "data"),
                  "db": (2.7, 3.3, 1.6, 0.62, "SQLite database\norders, stock", "data"),
                  "tickets": (4.4, 3.3, 1.5, 0.62, "support tickets\n(past replies)", "data"),
                  "evals": (6.8, 3.3, 2.4, 0.62, "eval sets: train / dev / test\nquestions + gold answers", "data"),
                  "baseline": (0.95, 1.9, 1.6, 0.62, "no-help baseline\n(the first approach)", "model"),
                  "lessons": (0.95, 0.7, 1.6, 0.62, "RAG, LoRA, agents\n(lessons 01-04)", "model"),
                  "approach": (2.75, 1.9, 1.3, 0.62, "approach", "step"),
                  "outputs": (4.5, 1.9, 1.3, 0.62, "outputs", "out"),
                  "scorer": (6.8, 1.9, 1.7, 0.62, "strict scorer", "check"),
                  "results": (6.8, 0.7, 1.7, 0.62, "results/*.json", "store"),
                  "readme": (4.5, 0.7, 1.6, 0.62, "README\nnotebook map", "out")},
        "arrows": [("data", "approach"), ("baseline", "approach"), ("lessons", "approach", "", 0.2),
                   ("evals", "approach", "questions"), ("evals", "scorer", "gold"), ("approach", "outputs"),
                   ("outputs", "scorer"), ("scorer", "results", "scores"), ("results", "readme")],
    },
    "01_rag": {
        "title": "RAG: index the documents once, then retrieve, prompt and generate for every question", "size": (WIDTH, 4.4),
        "alt": "RAG pipeline. Offline: documents are chunked, each chunk embedded with MiniLM and stored in a FAISS dense index and a "
               "BM25 index. Online: the query is embedded with MiniLM, searched in both indexes with the two rankings fused, the top-k "
               "chunks go into the prompt, SmolLM2 generates the answer and cites its source.",
        "panels": {"offline": (0.15, 2.95, 8.05, 4.0, "offline: once per knowledge-base update"),
                   "online": (0.15, 0.15, 8.05, 2.75, "online: every question")},
        "boxes": {"docs": (1.05, 3.4, 1.5, 0.6, "documents", "data"),
                  "chunk": (2.85, 3.4, 1.5, 0.6, "chunk\n(by heading)", "step"),
                  "embed_docs": (4.65, 3.4, 1.5, 0.6, "embed\n(MiniLM)", "model"),
                  "index": (6.7, 3.4, 2.0, 0.6, "index\nFAISS + BM25", "store"),
                  "query": (1.05, 2.0, 1.5, 0.6, "query", "data"),
                  "embed_q": (2.85, 2.0, 1.5, 0.6, "embed\n(MiniLM)", "model"),
                  "search": (4.65, 2.0, 1.5, 0.6, "search\ndense + BM25", "step"),
                  "topk": (6.7, 2.0, 2.0, 0.6, "top-k chunks\n(two rankings fused)", "store"),
                  "prompt": (6.7, 0.75, 2.0, 0.6, "prompt:\nchunks + question", "step"),
                  "generate": (4.65, 0.75, 1.5, 0.6, "generate\n(SmolLM2)", "model"),
                  "answer": (2.0, 0.75, 2.6, 0.6, "answer + citation\n\"... [doc id]\"", "out")},
        "arrows": [("docs", "chunk"), ("chunk", "embed_docs"), ("embed_docs", "index"), ("query", "embed_q"),
                   ("embed_q", "search"), ("index", "search", "", -0.25), ("search", "topk"), ("topk", "prompt"),
                   ("prompt", "generate"), ("generate", "answer")],
    },
    "02_finetuning": {
        "title": "Fine-tuning with LoRA: a frozen W plus a small trained update B·A", "size": (WIDTH, 4.4),
        "alt": "LoRA. The frozen weight matrix W (d by d) maps the input x; next to it a low-rank path, A (r by d) then B (d by r) with "
               "r small, is scaled by alpha over r and added: h = W x + (alpha/r) B A x. Only A and B are trained. Training loop: "
               "support tickets are rendered with the chat template, the labels are masked so the loss sees only the reply, LoRA "
               "training runs, and the result is a small adapter.",
        "panels": {"layer": (0.15, 1.55, 8.05, 4.0, "one linear layer, with LoRA"),
                   "loop": (0.15, 0.15, 8.05, 1.45, "the training loop")},
        "boxes": {"x": (0.55, 2.75, 0.5, 0.5, "x", "data"),
                  "W": (2.2, 3.15, 1.1, 1.1, "W\n(d × d)\nfrozen", "frozen"),
                  "A": (1.75, 2.0, 1.1, 0.34, "A  (r × d)", "model"),
                  "B": (3.05, 2.25, 0.34, 1.1, "B  (d × r)", "model"),
                  "sum": (4.35, 2.75, 0.5, 0.5, "+", "step"),
                  "h": (5.15, 2.75, 0.5, 0.5, "h", "out"),
                  "formula": (6.85, 2.75, 2.2, 1.55, "h = W x + (α/r)·B A x\n\nonly A and B are trained:\n2·d·r numbers, not d·d\n"
                                                    "(r ≪ d); B starts at 0,\nso step 0 changes nothing", "note"),
                  "tickets": (0.9, 0.62, 1.3, 0.55, "tickets", "data"),
                  "template": (2.5, 0.62, 1.5, 0.55, "chat template", "step"),
                  "mask": (4.2, 0.62, 1.5, 0.55, "masked labels\n(reply only)", "step"),
                  "train": (5.9, 0.62, 1.5, 0.55, "LoRA training", "model"),
                  "adapter": (7.45, 0.62, 1.0, 0.55, "adapter", "out")},
        "arrows": [("x", "W"), ("x", "A"), ("A", "B"), ("W", "sum"), ("B", "sum", "× α/r"), ("sum", "h"),
                   ("tickets", "template"), ("template", "mask"), ("mask", "train"), ("train", "adapter")],
    },
    "03_agents": {
        "title": "Agents: the model calls tools until it answers, within a step budget", "size": (WIDTH, 4.3),
        "alt": "Agent loop. A task goes to the model; the model writes a tool call, which is parsed and validated; the tool (read-only "
               "database look-ups, calculator, dates, knowledge-base search) runs and its observation goes back to the model, repeated "
               "at most max_steps times. The final answer passes a guardrail check: it must be backed by a tool result.",
        "panels": {"loop": (1.95, 1.1, 8.05, 3.95, "the loop: at most max_steps rounds, then it stops")},
        "boxes": {"task": (0.95, 2.4, 1.4, 0.6, "task", "data"),
                  "model": (3.0, 2.4, 1.7, 0.7, "model\nSmolLM2 (+LoRA)", "model"),
                  "call": (5.05, 3.25, 1.8, 0.62, "tool call\n(parsed, validated)", "step"),
                  "tools": (7.0, 2.4, 1.7, 1.3, "tools (read-only)\nDB look-ups\ncalculator\ndates\nKB search", "store"),
                  "obs": (5.05, 1.55, 1.8, 0.62, "observation\n(the tool's result)", "data"),
                  "answer": (3.0, 0.5, 1.7, 0.6, "final answer", "out"),
                  "guard": (5.8, 0.5, 2.6, 0.6, "guardrail check\nbacked by a tool result?", "check")},
        "arrows": [("task", "model"), ("model:n", "call:w", "", -0.3), ("call:e", "tools:n", "", -0.3),
                   ("tools:s", "obs:e", "", -0.3), ("obs:w", "model:s", "", -0.3), ("model", "answer", "answers", 0.3),
                   ("answer", "guard")],
    },
    "04_combining": {
        "title": "Combining: FT + RAG, an agent with RAG as a tool, and a router between them", "size": (WIDTH, 5.0),
        "alt": "Two combinations side by side. (a) FT + RAG: the retrieved fact goes to a fine-tuned model that answers in the house "
               "style and cites the fact's document. (b) An agent with RAG as a tool: the agent loop calls the database tools, the "
               "calculator and search_kb. Below, the five-question router: multi-step work on live data goes to the agent, a behaviour "
               "change to the fine-tune, everything else to RAG; RAG is added to either when knowledge changes or citations are needed.",
        "panels": {"a": (0.15, 2.5, 4.05, 4.6, "(a) FT + RAG"), "b": (4.15, 2.5, 8.05, 4.6, "(b) agent with RAG as a tool"),
                   "router": (0.15, 0.15, 8.05, 2.4, "the router: five questions about the item")},
        "boxes": {"question": (1.1, 3.8, 1.4, 0.55, "question", "data"),
                  "fact": (3.15, 3.8, 1.6, 0.55, "retrieved fact\n[doc id]", "store"),
                  "ft": (3.15, 2.95, 1.6, 0.55, "fine-tuned model\n(LoRA)", "model"),
                  "ft_answer": (1.1, 2.95, 1.75, 0.55, "answer in house style\n+ Ref: doc id", "out"),
                  "task": (4.95, 3.7, 1.2, 0.55, "task", "data"),
                  "agent": (4.95, 2.95, 1.2, 0.55, "agent\nloop", "model"),
                  "tools": (7.2, 2.95, 1.5, 0.8, "tools: DB look-ups,\ncalculator,\nsearch_kb (RAG)", "store"),
                  "five": (1.25, 1.3, 2.05, 1.3, "1 changes weekly?\n2 needs citations?\n3 behaviour change?\n"
                                                "4 multi-step, live data?\n5 reliability first?", "note"),
                  "q4": (3.6, 1.55, 1.3, 0.55, "multi-step,\nlive data?", "check"),
                  "q3": (5.4, 1.55, 1.3, 0.55, "behaviour\nchange?", "check"),
                  "rag": (7.3, 1.55, 1.2, 0.55, "RAG", "model"),
                  "to_agent": (3.6, 0.55, 1.6, 0.55, "agent\n(+ RAG if 1 or 2)", "model"),
                  "to_ft": (5.4, 0.55, 1.6, 0.55, "fine-tune\n(+ RAG if 1 or 2)", "model")},
        "arrows": [("question", "fact"), ("fact", "ft"), ("ft", "ft_answer"), ("task", "agent"),
                   ("agent", "tools", "call", -0.35), ("tools", "agent", "result", -0.35),
                   ("five", "q4"), ("q4", "to_agent", "yes"), ("q4", "q3", "no"), ("q3", "to_ft", "yes"), ("q3", "rag", "no")],
    },
    "02b_appendix_forgetting": {
        "title": "Forgetting: train harder, then measure what else changed", "size": (WIDTH, 3.2),
        "alt": "House-style tickets train three LoRA adapters (gentle, main, aggressive). Each adapter is measured three ways: the "
               "style it gained on held-out tickets, its perplexity on Python's documentation, and a probe of plain general "
               "questions; the last two show the general ability it lost.",
        "boxes": {"data": (1.0, 2.1, 1.5, 0.6, "house-style\ntickets", "data"),
                  "train": (3.3, 2.1, 2.2, 0.6, "LoRA training\ngentle · main · aggressive", "model"),
                  "adapter": (5.5, 2.1, 1.2, 0.6, "adapter", "out"),
                  "base": (7.45, 2.1, 1.3, 0.6, "base model\n(the reference)", "frozen"),
                  "style": (2.2, 0.7, 2.0, 0.6, "style gained on\nheld-out tickets", "check"),
                  "ppl": (4.6, 0.7, 2.0, 0.6, "perplexity on\nPython's docs", "check"),
                  "probe": (7.0, 0.7, 2.0, 0.6, "general probe:\nplain questions", "check")},
        "arrows": [("data", "train"), ("train", "adapter"), ("adapter", "style"), ("adapter", "ppl"), ("adapter", "probe"),
                   ("base", "probe"), ("base", "ppl")],
    },
    "02c_appendix_knowledge_cutoff": {
        "title": "Knowledge cutoff: facts trained into weights, facts retrieved from an index", "size": (WIDTH, 3.2),
        "alt": "Week-1 facts train a LoRA adapter (question to answer) and fill a RAG index. The week-2 update changes some "
               "facts: the index takes the update in seconds, the adapter's weights stay as trained. Both answer the questions "
               "whose facts changed, and each answer is checked for the old value and for the new one.",
        "boxes": {"facts": (1.0, 2.1, 1.5, 0.6, "week-1 facts", "data"),
                  "train": (3.1, 2.55, 1.7, 0.42, "LoRA training", "model"),
                  "index": (3.1, 1.65, 1.7, 0.42, "RAG index", "store"),
                  "update": (3.1, 0.7, 1.7, 0.42, "week-2 update", "data"),
                  "adapter": (5.1, 2.55, 1.5, 0.42, "fact adapter", "out"),
                  "ask": (7.2, 2.1, 1.7, 0.6, "questions whose\nfact changed", "check"),
                  "verdict": (7.2, 0.7, 1.9, 0.6, "old value or\nnew value?", "check")},
        "arrows": [("facts", "train"), ("facts", "index"), ("train", "adapter"), ("update", "index"), ("adapter", "ask"),
                   ("index", "ask"), ("ask", "verdict")],
    },
    "03b_appendix_injections": {
        "title": "Injections: what passes the filter, and what stops the action", "size": (WIDTH, 3.2),
        "alt": "An attacker's text, in wordings of its own, is placed in a tool result and in a retrieved passage. Both go through the "
               "phrase filter; what passes reaches the model (the agent or the RAG reader). If the model asks for an action, the "
               "capability limits (read-only tools, allow-lists, argument checks) refuse it.",
        "boxes": {"attacker": (1.0, 2.1, 1.5, 0.6, "attacker's text,\nits own wording", "data"),
                  "tool": (3.0, 2.55, 1.8, 0.42, "in a tool result", "store"),
                  "kb": (3.0, 1.65, 1.8, 0.42, "in a retrieved passage", "store"),
                  "filter": (4.85, 2.1, 1.3, 0.6, "phrase filter", "check"),
                  "model": (7.1, 2.1, 1.4, 0.6, "agent or\nRAG reader", "model"),
                  "limits": (6.85, 0.65, 2.5, 0.6, "capability limits: read-only,\nallow-lists, argument checks", "check"),
                  "refused": (3.9, 0.65, 1.6, 0.5, "action refused", "out")},
        "arrows": [("attacker", "tool"), ("attacker", "kb"), ("tool", "filter"), ("kb", "filter"), ("filter", "model", "passes?"),
                   ("model", "limits", "asks for an action"), ("limits", "refused")],
    },
    "05_appendix_vector_indexes": {
        "title": "Vector search at scale: exact, IVF, HNSW, and sharding across machines", "size": (WIDTH, 5.2),
        "alt": "Four ways to search vectors. Flat: the query is compared with every vector (exact). IVF: vectors are clustered into "
               "cells; a query searches only the nprobe nearest cells. HNSW: a layered graph, a greedy walk from the sparse top layer "
               "down to the full bottom layer. Sharding: a router sends the query to every machine, each searches its own part of the "
               "vectors, and the partial top-k lists are merged.",
        "panels": {"flat": (0.15, 2.2, 2.7, 4.8, "Flat (exact)"), "ivf": (2.82, 2.2, 5.37, 4.8, "IVF (clustered lists)"),
                   "hnsw": (5.49, 2.2, 8.05, 4.8, "HNSW (layered graph)"), "shards": (0.15, 0.15, 8.05, 2.05, "sharding across machines")},
        "boxes": {"flat_cost": (1.43, 2.57, 2.35, 0.55, "the query vs every vector:\nexact, cost grows with N", "note"),
                  "ivf_cost": (4.1, 2.57, 2.35, 0.55, "search only the nprobe cells\nnearest the query: may miss", "note"),
                  "hnsw_cost": (6.77, 2.57, 2.35, 0.55, "greedy walk: sparse top layer\nfirst, then down to all points", "note"),
                  "q": (0.75, 0.95, 0.9, 0.5, "query", "data"),
                  "router": (2.1, 0.95, 1.1, 0.5, "router", "step"),
                  "m1": (4.05, 1.5, 1.9, 0.38, "machine 1: shard 1", "store"),
                  "m2": (4.05, 0.95, 1.9, 0.38, "machine 2: shard 2", "store"),
                  "m3": (4.05, 0.4, 1.9, 0.38, "machine 3: shard 3", "store"),
                  "merge": (6.05, 0.95, 1.3, 0.5, "merge the\ntop-k lists", "step"),
                  "topk": (7.4, 0.95, 0.9, 0.5, "top-k", "out")},
        "arrows": [("q", "router"), ("router", "m1"), ("router", "m2"), ("router", "m3"), ("m1", "merge"),
                   ("m2", "merge"), ("m3", "merge"), ("merge", "topk")],
        "notes": [(5.6, 4.3, "L2"), (5.6, 3.75, "L1"), (5.6, 3.2, "L0"), (1.85, 4.62, "query"), (1.85, 4.4, "vector")],
        "marks": _index_marks(),
    },
}


def _font(points: float, bold: bool = False) -> FontProperties:
    return FontProperties(fname=FONT / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"), size=points)


def _frame(ax, x0, y0, w, h, gid: str, **kw):
    return ax.add_patch(FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0,rounding_size=0.08", gid=gid, **kw))


def _point(ref, boxes: dict, patches: dict):
    """An arrow end: (xy, patch to clip at). 'name' -> the box's centre, clipped at its border; 'name:s' -> a side."""
    if isinstance(ref, tuple):
        return ref, None
    name, _, side = ref.partition(":")
    cx, cy, w, h = boxes[name][:4]
    if not side:
        return (cx, cy), patches[name]
    dx, dy = {"n": (0, 1), "s": (0, -1), "e": (1, 0), "w": (-1, 0)}[side]
    return (cx + dx * w / 2, cy + dy * h / 2), None


def _marks(ax, marks: dict) -> None:
    for cx, cy, r, kind in marks.get("rings", []):
        ax.add_patch(Circle((cx, cy), r, fc=_tint(KINDS[kind], 0.35), ec=KINDS[kind], lw=1.2))
    for key, line in (("edges", "-"), ("links", ":")):
        for a, b in marks.get(key, []):
            ax.plot(*zip(a, b), color="#AAAAAA", lw=0.8, ls=line)
    for a, b in marks.get("path", []):
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=10, color=KINDS["check"], lw=1.6, shrinkA=3, shrinkB=3))
    ax.scatter(*zip(*marks["dots"]), s=14, color=KINDS["data"], zorder=3)
    ax.scatter(*zip(*marks["queries"]), s=90, marker="*", color=KINDS["check"], zorder=4)


def draw(stem: str) -> Figure:
    """The diagram of one lesson, as a matplotlib Figure (no pyplot: no global figure state is touched)."""
    spec = DIAGRAMS[stem]
    (width, height), panels = spec["size"], spec.get("panels", {})
    assert not set(spec["boxes"]) & set(panels), "a panel and a box share a name"
    with style.context("default"):  # the user's rcParams (a notebook's inline backend, a style) change nothing
        fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
        ax = fig.add_axes((0, 0, 1, 1), xlim=(0, width), ylim=(0, height))
        ax.set_axis_off()
        ax.text(0.15, height - 0.2, spec["title"], fontproperties=_font(11, True), va="center", color=INK, gid="title")
        boxes, patches = dict(spec["boxes"]), {}
        for name, (x0, y0, x1, y1, label) in panels.items():
            boxes[name] = ((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0)
            patches[name] = _frame(ax, x0, y0, x1 - x0, y1 - y0, f"panel:{name}", fc="#F4F4F4", ec="#AAAAAA", lw=1, ls="--")
            ax.text(x0 + 0.1, y1 - 0.08, label, fontproperties=_font(9, True), va="top", color="#555555", gid=f"plabel:{name}")
        for name, (cx, cy, w, h, text, kind) in spec["boxes"].items():
            fill, edge = ("white", "#777777") if kind == "note" else (_tint(KINDS[kind]), KINDS[kind])
            patches[name] = _frame(ax, cx - w / 2, cy - h / 2, w, h, f"box:{name}", fc=fill, ec=edge, lw=1.6)
            short = len(text) <= 2  # a symbol (x, h, +): bigger and bold
            ax.text(cx, cy, text, fontproperties=_font(12 if short else 9.5, short), ha="center", va="center", color=INK,
                    rotation=90 if h > 2 * w and not short else 0, linespacing=1.25, gid=f"text:{name}")
        if "marks" in spec:
            _marks(ax, spec["marks"])
        for i, (src, dst, label, bend) in enumerate(a + ("", 0.0)[len(a) - 2:] for a in spec.get("arrows", [])):
            (pa, patch_a), (pb, patch_b) = _point(src, boxes, patches), _point(dst, boxes, patches)
            ax.add_patch(FancyArrowPatch(pa, pb, patchA=patch_a, patchB=patch_b, arrowstyle="-|>", mutation_scale=14, lw=1.3,
                                         connectionstyle=f"arc3,rad={bend}", color=INK, shrinkA=2, shrinkB=2, gid=f"arrow:{i}:{src}:{dst}"))
            if label:  # at the middle of the (bent) arrow, on a white ground
                dx, dy = pb[0] - pa[0], pb[1] - pa[1]
                at = ((pa[0] + pb[0]) / 2 + bend * dy / 2, (pa[1] + pb[1]) / 2 - bend * dx / 2)
                ax.text(*at, label, fontproperties=_font(8.5), ha="center", va="center", color=INK, gid=f"label:{i}",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
        for i, (x, y, text) in enumerate(spec.get("notes", [])):
            ax.text(x, y, text, fontproperties=_font(9), va="center", color=INK, gid=f"note:{i}")
    return fig


def png_bytes(stem: str) -> bytes:
    """The diagram as PNG bytes: identical on every run (fixed dpi and font, no 'Software' or date metadata)."""
    buffer = io.BytesIO()
    with style.context("default"):  # savefig reads rcParams too (savefig.bbox, savefig.facecolor, ...)
        draw(stem).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def write_all(folder: Path = FOLDER) -> list[Path]:
    """Write <stem>.png for every diagram into `folder` (docs/diagrams/ by default); returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem in DIAGRAMS:
        (folder / f"{stem}.png").write_bytes(png_bytes(stem))
    return [folder / f"{stem}.png" for stem in DIAGRAMS]


def markdown_cell(stem: str) -> str:
    """The markdown cell that shows a lesson's diagram (its image comes from the cell's attachment)."""
    return (f"![{DIAGRAMS[stem]['alt']}](attachment:{stem}.png)\n\n"
            f"*The diagram is drawn from its source in `llmcourse/diagrams.py` (regenerate: `llmcourse.diagrams.write_all()`).*")


def sync_attachment(notebook_path: Path, folder: Path = FOLDER) -> bool:
    """Put docs/diagrams/<stem>.png into the markdown cell of the notebook <stem>.ipynb that shows
    `](attachment:<stem>.png)`. The file is rewritten only when the attachment changed; returns whether it did."""
    path = Path(notebook_path)
    name = f"{path.stem}.png"  # the notebook's stem names its diagram
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "markdown" and f"](attachment:{name})" in c.source]
    wanted = cells and {name: {"image/png": base64.b64encode((folder / name).read_bytes()).decode("ascii")}}
    if not cells or cells[0].get("attachments") == wanted:
        return False
    cells[0]["attachments"] = wanted
    path.write_text(nbformat.writes(nb) + "\n")
    return True
