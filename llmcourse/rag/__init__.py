"""Retrieval-augmented generation: chunking, dense/lexical/hybrid retrieval, tenant filters, grounded answers.

Notebooks 01, 03 (KB search tool) and 04 (fine-tuned model + RAG) all use this package. The pieces:

- `chunking`: chunkers turn a `domain.Doc` into `Chunk`s (fixed windows, markdown sections, single facts);
- `index`: `DenseIndex` (MiniLM + FAISS), `BM25Index` (bm25s) and `HybridIndex` (rank or weighted-score fusion)
  share one `search(query, k, tenant)` signature and the same tenant rule (public docs for all, a dealer's only
  for it); `build_kb_index` / `build_hybrid_index` build indexes over the knowledge base, `apply_update` applies
  the week-2 update by document id without a rebuild;
- `metrics`: recall@k, MRR, tenant leaks and answer correctness after the update;
- `answer`: `rag_prompt` / `short_answer_prompt`, `generate_copy` (copy-only decoding), `parse_citations`,
  `attribute` and `rag_answerer` turn retrieved chunks into a grounded answer with cited document ids, as an
  approach for `evaluate.run_eval`; `fact_answerer` is notebook 01's best recipe for the 135M model;
- `ann_benchmark`: `faiss_benchmark` compares NumPy brute force with FAISS Flat, IVF and HNSW on synthetic vectors.
"""
from .ann_benchmark import (
                            SEARCH_KNOBS,
                            faiss_benchmark,
                            fastest_at_recall,
                            index_bytes,
                            make_faiss_index,
                            numpy_search,
                            set_knob,
                            synthetic_vectors,
)
from .answer import (
                            EXAMPLES,
                            FACT_MAX_NEW_TOKENS,
                            RAG_SYSTEM,
                            SHORT_SYSTEM,
                            CopySpan,
                            attribute,
                            content_words,
                            fact_answerer,
                            format_sources,
                            generate_copy,
                            latency_breakdown,
                            oracle_context,
                            parse_citations,
                            rag_answerer,
                            rag_prompt,
                            short_answer_prompt,
                            word_spans,
                            wrong_context,
)
from .chunking import CHUNKERS, Chunk, chunk_all, chunk_facts, chunk_fixed, chunk_headings, facts, split_sections
from .index import (
                            BM25Index,
                            DenseIndex,
                            HybridIndex,
                            allowed,
                            apply_update,
                            build_hybrid_index,
                            build_kb_index,
                            embed_queries,
)
from .metrics import (
                            doc_ranking,
                            fresh_answer_ok,
                            recall_at_k,
                            reciprocal_rank,
                            retrieval_scores,
                            retrieval_table,
                            tenant_leaks,
)
