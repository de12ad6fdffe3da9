"""Vector search at scale: NumPy brute force against FAISS Flat, IVF and HNSW on synthetic vectors."""
from __future__ import annotations

import time

import numpy as np


def synthetic_vectors(n: int, dim: int = 384, clusters: int = 1000, noise: float = 1.2, seed: int = 0) -> np.ndarray:
    """Unit vectors drawn around random cluster centres (real embeddings are clustered too, which is
    what approximate indexes exploit; uniform random vectors in 384 dimensions have no structure)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    x = centres[rng.integers(0, clusters, n)] + noise * rng.standard_normal((n, dim), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def numpy_search(x: np.ndarray, q: np.ndarray, k: int = 10) -> np.ndarray:
    """Exact top-k by brute force in NumPy: one matrix-vector product per query and a partial sort."""
    scores = x @ q
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


# The knob that trades speed for recall at search time, and the values swept for each index kind.
SEARCH_KNOBS = {"Flat": ("-", [None]), "IVF": ("nprobe", [1, 4, 16, 64]),
                "HNSW": ("efSearch", [16, 32, 64, 128])}


def make_faiss_index(kind: str, x: np.ndarray):
    """A FAISS inner-product index over x: 'Flat' (exact), 'IVF' (k-means cells; a query visits `nprobe`
    of them) or 'HNSW' (a navigable small-world graph; a query explores `efSearch` candidates)."""
    import faiss

    n, dim = x.shape
    if kind == "Flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "IVF":
        nlist = int(np.sqrt(n))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(x[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)])
    elif kind == "HNSW":
        index = faiss.IndexHNSWFlat(dim, 16, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 40
    else:
        raise ValueError(kind)
    index.add(x)
    return index


def set_knob(index, kind: str, value) -> None:
    if kind == "IVF":
        index.nprobe = value
    elif kind == "HNSW":
        index.hnsw.efSearch = value


def index_bytes(index) -> int:
    """Memory an index needs, measured as the size of its serialized form."""
    import faiss

    return int(faiss.serialize_index(index).size)


def _per_query_ms(search, queries: np.ndarray) -> tuple[float, list]:
    t0 = time.perf_counter()
    found = [search(q) for q in queries]
    return 1000 * (time.perf_counter() - t0) / len(queries), found


def faiss_benchmark(n: int, dim: int = 384, n_queries: int = 100, k: int = 10, seed: int = 0,
                    kinds=("Flat", "IVF", "HNSW")) -> list[dict]:
    """NumPy brute force vs FAISS indexes on n synthetic vectors, one query at a time (as a search service
    sees them): build seconds, memory (MB), latency per query (ms) and recall@k against the exact answer,
    for each value of each index's speed/recall knob."""
    x = synthetic_vectors(n + n_queries, dim, seed=seed)
    x, queries = x[:n], x[n:]
    np_ms, exact = _per_query_ms(lambda q: numpy_search(x, q, k), queries)
    rows = [{"n": n, "method": "NumPy brute force", "knob": "-", "build_s": 0.0, "memory_mb": x.nbytes / 1e6,
             "query_ms": np_ms, f"recall@{k}": 1.0}]
    for kind in kinds:
        t0 = time.perf_counter()
        index = make_faiss_index(kind, x)
        build, mb = time.perf_counter() - t0, index_bytes(index) / 1e6
        name, values = SEARCH_KNOBS[kind]
        for value in values:
            set_knob(index, kind, value)
            ms, found = _per_query_ms(lambda q, index=index: index.search(q.reshape(1, -1), k)[1][0], queries)
            recall = np.mean([len(set(f.tolist()) & set(e.tolist())) / k for f, e in zip(found, exact)])
            rows.append({"n": n, "method": f"FAISS {kind}", "knob": f"{name}={value}" if value else "-",
                         "build_s": build, "memory_mb": mb, "query_ms": ms, f"recall@{k}": float(recall)})
    for row in rows:
        row["speedup_vs_numpy"] = np_ms / row["query_ms"]
    return rows


def fastest_at_recall(rows: list[dict], min_recall: float = 0.95, k: int = 10) -> dict:
    """The fastest configuration whose recall@k reaches min_recall (rows from faiss_benchmark)."""
    ok = [r for r in rows if r[f"recall@{k}"] >= min_recall and r["method"] != "NumPy brute force"]
    return min(ok, key=lambda r: r["query_ms"])
