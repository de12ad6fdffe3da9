"""The brief's claims table: every rule reads numbers the notebooks write, links a real section, and can come out
against the claim when the numbers do."""
import copy

import nbformat
import pytest

from llmcourse import claims
from llmcourse.paths import ROOT
from llmcourse.results import load_committed

COMMITTED = load_committed()


def verdict_of(results, judge):
    """The verdict of the claim whose rule is the function named `judge`."""
    number = next(n for n, c in enumerate(claims.CLAIMS) if c.judge.__name__ == judge)
    return claims.verdicts(results)[number]["verdict"]


def test_every_claim_is_judged_from_the_committed_results():
    rows = claims.verdicts(COMMITTED)
    assert len(rows) == len(claims.CLAIMS) >= 20
    missing = [r["claim"] for r in rows if r["verdict"] == claims.MISSING]
    assert not missing, f"claims whose numbers are not in results/: {missing}"
    assert sum(claims.counts(rows).values()) == len(rows)


@pytest.mark.parametrize("claim", claims.CLAIMS, ids=lambda c: c.claim[:40])
def test_each_claim_links_a_section_of_its_notebook(claim):
    nb = nbformat.read(ROOT / "solutions" / f"{claim.notebook}.ipynb", as_version=4)
    headings = {line.lstrip("#").strip() for c in nb.cells if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("#")}
    assert claim.section in headings


def test_a_notebook_not_run_yet_reads_as_not_measured():
    partial = {stem: values for stem, values in COMMITTED.items() if not stem.startswith("03")}
    rows = claims.verdicts(partial)
    from_03 = [r["verdict"] for r in rows if r["notebook"] == "03_agents"]
    assert set(from_03) <= {claims.MISSING, claims.NOT_SHOWN} and from_03.count(claims.MISSING) >= 5
    assert all(r["verdict"] != claims.MISSING for r in rows if r["notebook"] == "01_rag")


def set_values(**changes):
    """A copy of the committed results with some values changed: {"01__tenant_leaks": 2} sets 01's tenant_leaks."""
    results = copy.deepcopy(COMMITTED)
    for name, value in changes.items():
        prefix, key = name.split("__")
        stem = next(s for s in results if s.split("_")[0] == prefix)
        results[stem][key] = value
    return results


@pytest.mark.parametrize("judge, changes", [
    ("_update", {"01__update_accuracy_before": 0.6, "01__update_accuracy_after": 0.62}),  # the update changed nothing
    ("_citations", {"01__citation_accuracy_test": 0.5}),
    ("_tenants", {"01__tenant_leaks": 2}),
    ("_ceiling", {"01__answer_accuracy_wrong_context_test_free": 0.55}),  # a wrong context does as well
    ("_chunking", {"01__chunking_recall_at_1_test_worst": 0.9, "01__chunking_recall_at_1_test_best": 0.92}),
    ("_behaviour", {"01__style_rules_kept_rag": 0.5}),  # retrieved context moved the style
    ("_out_of_domain", {"01__ood_recall_at_5": 0.5}),  # retrieval does not carry over either
    ("_short_prompts", {"02__prompt_tokens_tuned": 500.0}),
    ("_structured", {"02__classification_accuracy_tuned_test": 0.12, "02__extraction_accuracy_tuned_test": 0.0}),
    ("_forgetting", {"02b__probe_accuracy_aggressive": 0.9}),  # the aggressive adapter kept the probe
    ("_multistep", {"03__task_success_same_items_test_rag": 0.73}),
    ("_guardrails", {"03__attacks_succeeded": 1}),
    ("_guardrails", {"03b__injection_actions_carried_out": 1}),
    ("_framework", {"04__framework_agreement_always_rag_test": 0.9}),  # the trivial recommender does as well
    ("_agent_rag", {"04__kb_task_baseline_success_test": 0.6}),
    ("_rag_first", {"04__mixed_score_agent": 0.5}),
    ("_layers", {"04__layered_score_all": 0.37, "04__layered_score_rag": 0.36}),
])
def test_a_rule_goes_against_the_claim_when_the_numbers_do(judge, changes):
    assert verdict_of(COMMITTED, judge) in (claims.HELD, claims.PARTLY)
    assert verdict_of(set_values(**changes), judge) == claims.NOT_HELD


def test_partial_verdicts_turn_into_held_when_the_missing_part_is_measured():
    assert verdict_of(set_values(**{"01__cite_k3_citations_right_test": 0.95}), "_citations") == claims.HELD
    assert verdict_of(set_values(**{"02__style_compliance_nearest_test": 0.3}), "_style") == claims.HELD
    assert verdict_of(set_values(**{"03__live_success_agent_test": 0.9}), "_live") == claims.HELD
    assert verdict_of(set_values(**{"01__ood_reader_accuracy": 0.6}), "_out_of_domain") == claims.HELD
    assert verdict_of(set_values(**{"03b__injection_agent_followed": 2}), "_guardrails") == claims.HELD
    assert verdict_of(set_values(**{"04__router_score_test": 0.6}), "_layers") == claims.HELD


def test_the_cutoff_shows_only_with_an_adapter_that_learned_facts():
    assert verdict_of(COMMITTED, "_cutoff") == claims.HELD
    assert verdict_of(set_values(**{"02c__fact_adapter_accuracy_test": 0.0}), "_cutoff") == claims.NOT_SHOWN
    assert verdict_of(set_values(**{"02c__cutoff_states_old_fact_adapter": 0.0}), "_cutoff") == claims.PARTLY
    assert verdict_of(set_values(**{"02c__cutoff_states_new_rag": 0.0}), "_cutoff") == claims.PARTLY


def test_notebook_04_saved_the_counts_the_rules_give_the_committed_results():
    """Guards against changing a rule without re-running notebook 04 (its claims_* keys would be stale)."""
    saved = {k: v for k, v in COMMITTED["04_combining"].items() if k.startswith("claims_")}
    assert saved == claims.counts(claims.verdicts(COMMITTED))


def test_the_markdown_table_links_each_section_and_shows_each_verdict():
    rows = claims.verdicts(COMMITTED)
    text = claims.markdown(rows, folder="solutions/")
    assert text.count("\n") == len(rows) + 1
    assert "(solutions/01_rag.ipynb#4.-Retrieval-is-the-ceiling)" in text
    assert all(f"**{r['verdict']}**" in text for r in rows)


def test_readme_claims_table_is_generated_from_the_results():
    from llmcourse.readme import CLAIMS_END, CLAIMS_START, claims_table

    text = (ROOT / "README.md").read_text()
    assert CLAIMS_START in text, "README needs the generated claims table"
    assert text.split(CLAIMS_START)[1].split(CLAIMS_END)[0].strip() == claims_table(), "run `python -m llmcourse readme`"


def test_out_of_domain_questions_are_answered_by_the_pinned_readmes():
    from llmcourse.rag import outofdomain

    docs = outofdomain.package_docs()
    items = outofdomain.load_questions(docs)
    assert len(items) >= 15 and {it["package"] for it in items} == set(outofdomain.PACKAGES)
    assert all(it["doc_ids"] and all(d.startswith(it["package"]) for d in it["doc_ids"]) for it in items)
    assert not any("<!--" in d.text or "```" in d.title for d in docs)


def test_a_question_whose_answer_left_the_readme_gets_a_clear_message(monkeypatch):
    from llmcourse.rag import outofdomain

    docs = [d for d in outofdomain.package_docs() if d.product_line != "peft"]
    with pytest.raises(ValueError, match="pinned in requirements.txt"):
        outofdomain.load_questions(docs)
