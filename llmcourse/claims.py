"""The design brief's claims, each judged by a rule from the numbers the notebooks wrote to their results files.

Verdicts: **held**; **held partly** (the number says yes, but the experiment cannot carry the whole claim: the row
says what is missing); **not held here**; **not shown here** (no measurement could have said no). A rule compares a
method with what it must beat, by at least `MARGIN`; no verdict is typed. Notebook 04 and the README show the table.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

MARGIN = 0.05  # a difference smaller than this (a share of items) is read as "no difference"
COST_FACTOR = 10  # "costs more" means at least this many times more
HELD, PARTLY, NOT_HELD, NOT_SHOWN, MISSING = "held", "held partly", "not held here", "not shown here", "not measured yet"
VERDICTS = [HELD, PARTLY, NOT_HELD, NOT_SHOWN, MISSING]


class Values:
    """Read-only access to every notebook's results: `v("01", "recall_at_1_test")`."""

    def __init__(self, results: dict[str, dict]):
        self.results = results

    def __call__(self, notebook: str, key: str):
        stem = next((s for s in self.results if s.split("_")[0] == notebook), None)  # "02" is not "02b"
        if stem is None or key not in self.results[stem]:
            raise KeyError(f"{notebook}:{key}")
        return self.results[stem][key]


def f(x) -> str:  # a share of items, as the tables show it
    return f"{x:.2f}" if isinstance(x, float) else str(x)


@dataclass(frozen=True)
class Claim:
    approach: str
    claim: str  # the brief's claim, in the course's words
    notebook: str  # stem of the solution notebook that measures it
    section: str  # heading of the section there
    judge: Callable[[Values], tuple[str, str]]  # -> (verdict, the evidence in numbers)


def better(a: float, b: float) -> bool:
    return a >= b + MARGIN


# ------------------------------------------------------------------------------------------------ RAG

def _update(v):
    before, after = v("01", "update_accuracy_before"), v("01", "update_accuracy_after")
    ev = (f"changed facts answered right: {f(before)} before the update, {f(after)} after re-indexing (which took "
          f"{v('01', 'reindex_seconds'):.1f} s; training the style adapter took {v('02', 'train_seconds'):.0f} s)")
    return (HELD if better(after, before) else NOT_HELD), ev


def _citations(v):
    right, by_model = v("01", "citation_accuracy_test"), v("01", "cite_k3_answers_citing_test")
    named, first = v("01", "cite_k3_citations_right_test"), v("01", "cite_k3_always_first_right_test")
    ev = (f"one fact, attributed after generation: right for {f(right)} of test answers; three sources from different "
          f"documents: the model names one in {f(by_model)}, a gold one in {f(named)} of those, always citing [1] {f(first)}")
    if by_model >= 0.5 and named >= max(1 - 4 * MARGIN, first - MARGIN):
        return HELD, ev
    if right >= 1 - 4 * MARGIN:
        return PARTLY, ev + " (the pipeline's citation is right; the model's own choice of source is not yet)"
    return NOT_HELD, ev


def _tenants(v):
    leaks = v("01", "tenant_leaks")
    return (HELD if leaks == 0 else NOT_HELD), f"chunks of another dealer in any top 10, every question as every tenant: {leaks}"


def _ceiling(v):
    oracle, got, wrong = (v("01", f"answer_accuracy_{c}_context_test_free") for c in ("oracle", "retrieved", "wrong"))
    ev = f"a free reader on test: {f(oracle)} with the gold fact, {f(got)} with the retrieved one, {f(wrong)} with a wrong one"
    return (HELD if better(got, wrong) and better(oracle, wrong) and oracle >= got else NOT_HELD), ev


def _chunking(v):
    best, worst = v("01", "chunking_recall_at_1_test_best"), v("01", "chunking_recall_at_1_test_worst")
    lo, hi = v("01", "chunking_context_tokens_k1_min"), v("01", "chunking_context_tokens_k1_max")
    ev = (f"recall@1 on test from {f(worst)} to {f(best)} across four chunkings; one retrieved chunk adds "
          f"{lo:.0f} to {hi:.0f} tokens to the prompt")
    return (HELD if better(best, worst) else NOT_HELD), ev


def _latency(v):
    total, retrieval = v("01", "latency_ms_mean"), v("01", "latency_ms_retrieval_mean")
    ev = f"one query {total:.0f} ms, of which embedding and search {retrieval:.0f} ms"
    caveat = " (the stages add up, but generation dominates; at millions of vectors the index matters: notebook 05)"
    return (HELD, ev) if retrieval >= 0.2 * total else (PARTLY, ev + caveat)


def _behaviour(v):
    none, ctx, ex = (v("01", f"style_rules_kept_{k}") for k in ("no_context", "rag", "rag_examples"))
    ev = f"house-style rules kept: {f(none)} without context, {f(ctx)} with retrieved context, {f(ex)} with two example replies"
    if better(ex, none) and abs(ctx - none) < MARGIN:
        return HELD, ev
    return (NOT_HELD if abs(ctx - none) >= MARGIN else NOT_SHOWN), ev


def _out_of_domain(v):
    r_in, r_out = v("01", "recall_at_5_test"), v("01", "ood_recall_at_5")
    a_in, a_out = v("01", "answer_accuracy_test"), v("01", "ood_reader_accuracy")
    b_in, b_out = v("01", "top_chunk_baseline_accuracy_test"), v("01", "ood_top_chunk_baseline_accuracy")
    ev = (f"Voltbird test vs package READMEs: recall@5 {f(r_in)} vs {f(r_out)}, reader {f(a_in)} vs {f(a_out)}, "
          f"top chunk pasted {f(b_in)} vs {f(b_out)}")
    if a_out >= a_in - MARGIN and better(a_out, b_out):
        return HELD, ev
    if r_out >= r_in - MARGIN:
        return PARTLY, ev + " (retrieval carries over; the reader, shaped on Voltbird, loses its lead over pasting)"
    return NOT_HELD, ev


# ------------------------------------------------------------------------------------------------ fine-tuning

def _style(v):
    tuned, base, near = (v("02", f"style_compliance_{k}_test") for k in ("tuned", "base", "nearest"))
    c_tuned, c_near = v("02", "reply_content_ok_tuned_test"), v("02", "reply_content_ok_nearest_test")
    ev = (f"house style on test tickets: tuned {f(tuned)}, base {f(base)}, the nearest past reply pasted {f(near)}; "
          f"right content: tuned {f(c_tuned)}, nearest reply {f(c_near)}")
    if better(tuned, base) and better(tuned, near):
        return HELD, ev
    if better(tuned, base):
        return PARTLY, ev + " (pasting the nearest past reply has the form too)"
    return NOT_HELD, ev


def _procedure(v):
    base, tuned_probe = v("03", "task_success_base"), v("03", "task_success_tuned_same_probe")
    tuned, baseline = v("03", "task_success_tuned_test"), v("03", "task_success_baseline_test")
    ev = (f"the tool-calling procedure learned by a LoRA: probe tasks base {f(base)} vs tuned {f(tuned_probe)}; "
          f"test tasks tuned {f(tuned)} vs the most common dev answer {f(baseline)}")
    return (HELD if better(tuned_probe, base) and better(tuned, baseline) else NOT_HELD), ev


def _short_prompts(v):
    tok_t, tok_f = v("02", "prompt_tokens_tuned"), v("02", "prompt_tokens_fewshot")
    st_t, st_f = v("02", "style_compliance_tuned_subset"), v("02", "style_compliance_fewshot")
    ev = f"prompt tokens {tok_t:.0f} tuned vs {tok_f:.0f} few-shot; house style {f(st_t)} vs {f(st_f)}"
    return (HELD if tok_t < tok_f and st_t >= st_f - MARGIN else NOT_HELD), ev


def _structured(v):
    c, cm = v("02", "classification_accuracy_tuned_test"), v("02", "classification_accuracy_majority_test")
    e, em = v("02", "extraction_accuracy_tuned_test"), v("02", "extraction_accuracy_majority_test")
    ev = f"on test: routing {f(c)} vs majority class {f(cm)}; extraction {f(e)} vs most common value {f(em)}"
    wins = better(c, cm) + better(e, em)
    return [NOT_HELD, PARTLY, HELD][wins], ev


def _data_quality(v):
    clean, noisy, curated = (v("02", f"style_compliance_{k}_test") for k in ("clean", "noisy", "curated"))
    ev = f"house style on test: clean data {f(clean)}, noisy data {f(noisy)}, your curated subset {f(curated)}"
    caveat = " (the noise here is in the form only; wrong facts or labels in training data are not measured)"
    return (PARTLY, ev + caveat) if better(clean, noisy) else (NOT_HELD, ev)


def _cutoff(v):
    learned, base = v("02c", "fact_adapter_accuracy_test"), v("02c", "base_accuracy_test")
    stale, ft_new, rag_new = (v("02c", f"cutoff_states_{k}") for k in ("old_fact_adapter", "new_fact_adapter", "new_rag"))
    ev = (f"a fact adapter answers {f(learned)} of week-1 test questions (base {f(base)}); after the update it states the old "
          f"value in {f(stale)} of the changed facts and the new one in {f(ft_new)}; RAG states the new one in {f(rag_new)}")
    if not better(learned, base):
        return NOT_SHOWN, ev + " (the adapter learned too few facts for a cutoff to show)"
    return (HELD if stale >= MARGIN and better(rag_new, ft_new) else PARTLY), ev


def _forgetting(v):
    pa, pg, pb = (v("02b", f"probe_accuracy_{k}") for k in ("aggressive", "gentle", "base"))
    xa, xg = v("02b", "forgetting_ppl_increase_aggressive"), v("02b", "forgetting_ppl_increase_gentle")
    ev = (f"general probe: base {f(pb)}, gentle tuning {f(pg)}, aggressive {f(pa)}; perplexity on general text "
          f"{xa:+.2f} aggressive vs {xg:+.2f} gentle")
    return (PARTLY, ev + " (rank, rate and steps change together, one seed)") if better(pg, pa) and xa > xg else (NOT_HELD, ev)


def _train_cost(v):
    train, index = v("02", "train_seconds_all_adapters"), v("01", "full_index_seconds")
    ev = f"training notebook 02's adapters {train:.0f} s on 2 CPU cores; building the whole RAG index {index:.1f} s"
    return (HELD if train >= COST_FACTOR * index else NOT_HELD), ev


# ------------------------------------------------------------------------------------------------ agents

def _multistep(v):
    agent, rag, base = (v("03", k) for k in ("task_success_same_items_test_agent", "task_success_same_items_test_rag",
                                             "task_success_baseline_test"))
    ev = f"test tasks (lookups, then arithmetic): agent {f(agent)}, RAG {f(rag)}, the most common dev answer {f(base)}"
    return (HELD if better(agent, rag) and better(agent, base) else NOT_HELD), ev


def _live(v):
    a, o = v("03", "live_success_agent_test"), v("03", "live_success_old_answers_test")
    ac, oc = v("03", "live_success_agent_changed_test"), v("03", "live_success_old_answers_changed_test")
    ev = f"week-2 test tasks: agent {f(a)} vs last week's answers {f(o)}; on the tasks whose answer changed {f(ac)} vs {f(oc)}"
    if better(a, o) and better(ac, oc):
        return HELD, ev
    return (PARTLY, ev + " (it wins where the data moved, but errs on tasks last week's answer still gets)") \
        if better(ac, oc) else (NOT_HELD, ev)


def _reliability(v):
    valid, ok = v("03", "valid_call_rate_tuned"), v("03", "task_success_tuned_test")
    ev = f"the tuned agent: {f(1 - valid)} of its tool calls invalid, {f(1 - ok)} of test tasks failed"
    return (HELD if 1 - valid > 0 or 1 - ok >= MARGIN else NOT_HELD), ev


def _cost_per_step(v):
    calls = v("03", "llm_calls_per_task_agent") / v("03", "llm_calls_per_task_rag")
    tokens = v("03", "tokens_per_task_agent") / v("03", "tokens_per_task_rag")
    latency = v("03", "latency_batch1_seconds_agent") / v("03", "latency_batch1_seconds_rag")
    ev = f"agent vs RAG on the same tasks: {calls:.1f}x model calls, {tokens:.1f}x tokens, {latency:.1f}x latency at batch size 1"
    if tokens >= calls * (1 - MARGIN) and latency >= calls * (1 - MARGIN):
        return HELD, ev
    if tokens >= calls * (1 - MARGIN):
        return PARTLY, ev + " (tokens grow with the steps; latency less, as the shared prompt is cached)"
    return NOT_HELD, ev


def _guardrails(v):
    tried, won = v("03", "attacks_tried"), v("03", "attacks_succeeded")
    n, passed, ran = v("03b", "injections_tried"), v("03b", "injections_passing_filter"), v("03b", "injection_actions_carried_out")
    obeyed = v("03b", "injection_agent_followed") + v("03b", "injection_rag_planted")
    ev = (f"{won} of {tried} scripted attacks got through; {passed} of {n} new-wording injections passed the phrase "
          f"filter, the models obeyed {obeyed} times, {ran} asked-for actions ran")
    if won or ran or obeyed:
        return (NOT_HELD if won or ran else HELD), ev
    return PARTLY, ev + " (the limits held, the filter did not; these small models obeyed nothing, so the need is argued)"


# ------------------------------------------------------------------------------------------------ framework, combinations

def _framework(v):
    tags, text, rag_only, no_q5 = (v("04", f"framework_agreement{k}_test") for k in ("", "_from_text", "_always_rag", "_no_q5"))
    ev = (f"test, every item counted: the five questions pick the measured winner on {f(tags)} (answers from the "
          f"tags), {f(text)} (answered from the request); 'always RAG' {f(rag_only)}; question 5 off {f(no_q5)}")
    won = better(tags, rag_only) + better(text, rag_only)
    return [NOT_HELD, PARTLY, HELD][won], ev


def _ft_rag(v):
    acc, rag = v("04", "ft_rag_accuracy_test"), v("04", "rag_accuracy_test")
    len_acc, len_rag = v("04", "ft_rag_accuracy_lenient_test"), v("04", "rag_accuracy_lenient_test")
    style, rag_style = v("04", "ft_rag_style_compliance"), v("04", "rag_style_compliance")
    ev = (f"week-2 test questions, strict: FT + RAG {f(acc)} vs RAG {f(rag)} (lenient {f(len_acc)} vs {f(len_rag)}); "
          f"house style {f(style)} vs {f(rag_style)}")
    if better(style, rag_style) and acc >= rag - MARGIN:
        return HELD, ev
    if better(style, rag_style) and len_acc >= len_rag - MARGIN:
        return PARTLY, ev + " (the facts arrive, quoted whole inside the reply: not a short answer)"
    return NOT_HELD, ev


def _agent_rag(v):
    ok, no_kb, rag, base = (v("04", f"{k}_test") for k in ("agent_rag_success", "agent_no_kb_success",
                                                            "rag_only_task_success", "kb_task_baseline_success"))
    ev = (f"test tasks needing a policy and live data: agent + RAG {f(ok)}, agent without the KB tool {f(no_kb)}, "
          f"RAG alone {f(rag)}, the most common dev answer {f(base)}")
    return (HELD if all(better(ok, x) for x in (no_kb, rag, base)) else NOT_HELD), ev


def _rag_first(v):
    names = {"RAG": "RAG", "no help": "no_help", "fine-tune": "finetune", "agent": "agent"}
    scores = {name: v("04", f"mixed_score_{key}") for name, key in names.items()}
    ev = "mixed set, one approach for everything: " + ", ".join(f"{n} {f(s)}" for n, s in scores.items())
    return (HELD if all(scores["RAG"] >= s for s in scores.values()) else NOT_HELD), ev


def _layers(v):
    rag, full = v("04", "layered_score_rag"), v("04", "layered_score_all")
    text, single = v("04", "router_score_test"), v("04", "router_best_single_test")
    ev = (f"mixed set routed by the five questions answered per item: RAG alone {f(rag)}, all layers {f(full)}; "
          f"a router reading only the text, test: {f(text)} vs the best single approach {f(single)}")
    if better(full, rag):
        return (HELD, ev) if better(text, single) else (PARTLY, ev + " (the gain needs someone to answer the questions)")
    return NOT_HELD, ev


R, F, A, C = "RAG", "fine-tuning", "agents", "framework and combinations"
CLAIMS = [
    Claim(R, "Knowledge that changes often: an update reaches the answers by re-indexing, no retraining", "01_rag",
          "7. Fresh knowledge without retraining", _update),
    Claim(R, "Answers can cite their sources", "01_rag", "3. Grounded answers with citations", _citations),
    Claim(R, "Each customer sees only its own data", "01_rag", "8. Multi-tenant retrieval", _tenants),
    Claim(R, "Retrieval quality is the ceiling", "01_rag", "4. Retrieval is the ceiling", _ceiling),
    Claim(R, "Chunking matters, and context is limited", "01_rag", "1. Chunking matters", _chunking),
    Claim(R, "Latency adds up: embedding, search, generation", "01_rag", "6. Latency adds up", _latency),
    Claim(R, "RAG changes no behaviour", "01_rag", "9. RAG adds knowledge, not behaviour", _behaviour),
    Claim(R, "(course check) The recipe chosen on one corpus carries over to another", "01_rag",
          "10. Out of domain: the same recipe on documents nobody here wrote", _out_of_domain),
    Claim(F, "A consistent output style or format", "02_finetuning", "4. Behaviour change: the house style on held-out tickets", _style),
    Claim(F, "Domain reasoning patterns the base model lacks", "03_agents", "4. Teach the model to call tools", _procedure),
    Claim(F, "Shorter prompts: instructions baked into the weights", "02_finetuning",
          "5. A long prompt on the base model vs a bare prompt on the tuned model", _short_prompts),
    Claim(F, "Classification and extraction with a fixed schema", "02_finetuning",
          "6. Classification and extraction as structured output", _structured),
    Claim(F, "Training data quality is everything", "02_finetuning", "7. Data quality is everything", _data_quality),
    Claim(F, "Knowledge cutoff: new facts need retraining", "02c_appendix_knowledge_cutoff", "4. The update arrives", _cutoff),
    Claim(F, "Aggressive tuning degrades general ability", "02b_appendix_forgetting",
          "3. A gentle and an aggressive configuration", _forgetting),
    Claim(F, "Training costs compute, again at every data change", "02_finetuning", "9. What it costs", _train_cost),
    Claim(A, "Multi-step work where each step needs the last result, with computation", "03_agents", "6. What an agent costs", _multistep),
    Claim(A, "Real-time data", "03_agents", "5. Live data: the world moves, the agent follows", _live),
    Claim(A, "Agents are less reliable: bad tool calls, wrong paths", "03_agents", "7. Debugging by traces", _reliability),
    Claim(A, "N steps cost N model calls", "03_agents", "6. What an agent costs", _cost_per_step),
    Claim(A, "The trace is the only window for debugging", "03_agents",
          "Exercise 03.5 — find the failed step from the spans",
          lambda v: (NOT_SHOWN, "exercise 03.5 finds a failed step from the spans alone; no number says debugging is hard")),
    Claim(A, "Guardrails are non-negotiable", "03_agents", "8. Guardrails, attacked", _guardrails),
    Claim(C, "Five questions pick the starting approach", "04_combining", "4. The five-question framework as code", _framework),
    Claim(C, "A fine-tuned model with RAG: house behaviour and current facts", "04_combining", "1. Fine-tuned model + RAG", _ft_rag),
    Claim(C, "An agent with RAG as a tool: steps and grounded answers", "04_combining", "2. An agent that uses RAG as a tool", _agent_rag),
    Claim(C, "Start simple: RAG is usually the right first step", "04_combining", "3. Everything on one table: the mixed set", _rag_first),
    Claim(C, "Layer approaches when a kind of request needs it", "04_combining", "5. Start simple: what each layer buys", _layers),
]


def verdicts(results: dict[str, dict]) -> list[dict]:
    """One row per claim: its verdict and evidence from `results` (notebook stem -> results dict)."""
    v, rows = Values(results), []
    for number, c in enumerate(CLAIMS, 1):
        try:
            verdict, evidence = c.judge(v)
        except KeyError as missing:
            verdict, evidence = MISSING, f"run {c.notebook} to measure it ({missing.args[0]} missing)"
        rows.append({"#": number, "approach": c.approach, "claim": c.claim, "verdict": verdict, "evidence": evidence,
                     "notebook": c.notebook, "section": c.section})
    return rows


def counts(rows: list[dict]) -> dict[str, int]:
    """How many claims got each verdict, as results keys (claims_held, claims_held_partly, ...)."""
    tally = Counter(r["verdict"] for r in rows)
    return {"claims_" + name.replace(" ", "_"): tally.get(name, 0) for name in VERDICTS}


def markdown(rows: list[dict], folder: str = "") -> str:
    """The verdict table as markdown; links go to `<folder><notebook>.ipynb#<section>` (JupyterLab's anchor)."""
    lines = ["| # | approach | the brief's claim | verdict | measured (test split unless named) | where |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        link = f"[{r['notebook'].split('_')[0]} · {r['section']}]({folder}{r['notebook']}.ipynb#{r['section'].replace(' ', '-')})"
        lines.append(f"| {r['#']} | {r['approach']} | {r['claim']} | **{r['verdict']}** | {r['evidence']} | {link} |")
    return "\n".join(lines)
