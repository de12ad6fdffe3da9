"""Retrieval-augmented generation: chunking, dense/lexical/hybrid retrieval, tenant filters, grounded answers.

Notebooks 01, 03 (KB search tool) and 04 (fine-tuned model + RAG) all use this package. The pieces:

- `chunking`: chunkers turn a `domain.Doc` into `Chunk`s (fixed windows, markdown sections, single facts);
- `index`: `DenseIndex` (MiniLM + FAISS), `BM25Index` (bm25s) and `HybridIndex` (rank or weighted-score fusion)
  share one `search(query, k, tenant)` signature and the same tenant rule (public docs for all, a dealer's only
  for it); `build_kb_index` / `build_hybrid_index` build indexes over the knowledge base, `apply_update` applies
  the week-2 update by document id without a rebuild;
- `metrics`: recall@k, MRR, tenant leaks and answer correctness after the update; `by_split` / `scores_with_splits`
  put the means of per-item rows over all items, dev and test side by side (`split_keys`: as result keys);
- `recipe`: a retrieval recipe (chunker, retriever, k) scored per split: `RETRIEVERS`, `DEFAULT_RECIPE`,
  `score_recipe`, `compare_recipes` (what exercise 01.5 judges on dev);
- `answer`: `rag_prompt` / `short_answer_prompt`, `generate_copy` (copy-only decoding), `parse_citations`,
  `attribute` and `rag_answerer` turn retrieved chunks into a grounded answer with cited document ids, as an
  approach for `evaluate.run_eval`; `fact_answerer` is notebook 01's best recipe for the 135M model
  (`free_answerer`: the same without copy-only decoding);
- `ann_benchmark`: `faiss_benchmark` compares NumPy brute force with FAISS Flat, IVF and HNSW on synthetic vectors
  (appendix notebook 05).
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
                            CITE_EXAMPLES,
                            CITE_SYSTEM,
                            EXAMPLES,
                            FACT_MAX_NEW_TOKENS,
                            RAG_SYSTEM,
                            SHORT_SYSTEM,
                            CopySpan,
                            attribute,
                            citation_shares,
                            cite_prompt,
                            content_words,
                            distinct_sources,
                            fact_answerer,
                            format_sources,
                            free_answerer,
                            generate_copy,
                            latency_breakdown,
                            oracle_context,
                            parse_citations,
                            rag_answerer,
                            rag_prompt,
                            short_answer_prompt,
                            top_chunk_answerer,
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
                            accuracy_by_hit,
                            by_split,
                            doc_ranking,
                            fresh_answer_ok,
                            recall_at_k,
                            reciprocal_rank,
                            retrieval_rows,
                            retrieval_scores,
                            retrieval_table,
                            scores_with_splits,
                            split_keys,
                            tenant_leaks,
)
from .recipe import (
                            DEFAULT_RECIPE,
                            MAX_K,
                            RETRIEVERS,
                            compare_recipes,
                            kb_indexes,
                            normalize_recipe,
                            recipe_index,
                            recipe_name,
                            recipe_rows,
                            score_recipe,
)
