"""Notebook 04's package code on small inputs: FT + RAG data, the mixed-set scorer, agent citations."""
import pytest

from llmcourse import agents, domain, rag
from llmcourse import combine as cb
from llmcourse import finetune as ft
from llmcourse.domain.style import check_style, extract_refs
from llmcourse.evaluate import answer_match


@pytest.fixture(scope="module")
def index():
    return rag.build_hybrid_index()


def test_fact_reply_keeps_the_house_style_and_cites_its_fact(index):
    chunk = next(iter(index.dense.chunks.values()))
    for name in ("Ada", None):
        reply = cb.fact_reply(chunk, name)
        assert check_style(reply, name) == []
        assert extract_refs(reply) == [chunk.doc_id] and chunk.text in reply
    prompt = cb.ft_rag_messages("How heavy?", [chunk], "Ada")[0]["content"]
    assert f"[{chunk.doc_id}] {chunk.text}" in prompt and "From: Ada\nHow heavy?" in prompt


def test_training_set_never_states_an_eval_answer(qa, index):
    chunks = list(index.dense.chunks.values())
    examples = cb.ft_rag_training_set(chunks, qa, domain.load_tickets("train"), index, n_facts=60, n_tickets=20)
    assert len(examples) >= 60
    eval_questions = {q["question"] for q in qa}
    for ex in examples:
        content = ex["messages"][0]["content"]
        assert not any(q in content for q in eval_questions)
        cited = extract_refs(ex["reply"])
        assert cited and all(f"[{doc}]" in content for doc in cited)  # cites only what the prompt shows
        for q in qa:  # no training source states an eval answer of its own document
            for line in content.splitlines():
                if line.startswith("[") and any(line.startswith(f"[{d}]") for d in q["doc_ids"]) and q["answer"]:
                    assert not answer_match(line, q["answer"], q["aliases"]), (q["id"], line)
    assert examples == cb.ft_rag_training_set(chunks, qa, domain.load_tickets("train"), index, n_facts=60, n_tickets=20)


def test_asked_in_eval_flags_the_fact_an_eval_question_needs(qa, index):
    q = next(q for q in qa if q["answer"] and q["doc_ids"] and q["tenant"] == "public")
    stating = [c for c in index.dense.chunks.values() if c.doc_id in q["doc_ids"] and answer_match(c.text, q["answer"], q["aliases"])]
    assert stating and all(cb.asked_in_eval(c, qa) for c in stating)


def test_mixed_score_per_kind():
    items = {it["kind"]: it for it in cb.mixed_items(domain.load_eval("mixed"))}
    fact = items["kb_fact"]
    g = fact["gold"]
    assert cb.mixed_score(fact, {"answer": g["answer_after"], "citations": g["doc_ids_after"]}) == 1.0
    assert cb.mixed_score(fact, {"answer": g["answer_after"], "citations": []}) == 0.0  # uncited
    assert cb.mixed_score(fact, {"answer": "no idea", "citations": g["doc_ids_after"]}) == 0.0
    ticket = items["ticket_reply"]
    assert cb.mixed_score(ticket, {"answer": ticket["gold"]["reply"]}) == 1.0
    assert cb.mixed_score(ticket, {"answer": ticket["gold"]["reply"].replace("Ref:", "See:")}) == 0.0
    wrong_ref = "\n".join("Ref: kb-999" if line.startswith("Ref:") else line for line in ticket["gold"]["reply"].splitlines())
    assert cb.mixed_score(ticket, {"answer": wrong_ref}) == 0.0
    route = items["classify"]
    cat = route["gold"]["category"]
    assert cb.mixed_score(route, {"answer": '{"order_id":null,"category":"%s"}' % cat}) == 1.0
    assert cb.mixed_score(route, {"answer": "nothing to see"}) == 0.0
    task = items["live_task"]
    assert cb.mixed_score(task, {"answer": task["gold"]["answer"]}) == 1.0
    assert cb.mixed_score(task, {"answer": ""}) == 0.0


def test_category_of_reads_json_then_words():
    assert cb.category_of('{"category":"warranty"}') == "warranty"
    assert cb.category_of("This is about a service booking, not the battery.") == "service_booking"
    assert cb.category_of("hello") is None


def test_agent_citations_come_from_successful_kb_searches():
    trace = agents.Trace("q")
    trace.steps = [agents.Step('search_kb("returns")', 'search_kb("returns")', '[{"doc_id": "kb-016", "text": "28 days"}]'),
                   agents.Step('search_kb("x")', None, "error: bad", "tool_error"),
                   agents.Step('get_order("VB-10001")', 'get_order("VB-10001")', '{"doc_id": "kb-999"}')]
    assert cb.agent_citations(trace) == ["kb-016"]


def test_ft_rag_settings_are_the_top_blocks_preset():
    assert cb.FT_RAG_SETTINGS == ft.top_blocks(steps=32, lr=2e-3, batch_size=4, max_len=224)
    old = ft.LoraSettings(r=16, alpha=32, lr=2e-3, steps=32, batch_size=4, max_len=224, layers=list(range(18, 30)),
                          targets=ft.ALL_LINEAR)  # its definition before the preset: the same cache key
    if cb.FT_RAG_SETTINGS.layer_indices() == list(range(18, 30)):  # the default 30-block model
        assert cb.FT_RAG_SETTINGS.key() == old.key()


def test_ft_rag_prompt_goes_through_the_chat_template(index):
    from llmcourse.models import load_llm

    llm = load_llm()
    approach = cb.ft_rag_approach(llm, index, llm.model, max_new_tokens=2)
    outs = approach([{"question": "How heavy?", "first_name": "Ada"}])
    hit = next(c for c, _ in index.search("How heavy?", 1, None))
    prompt = llm.render(cb.ft_rag_messages("How heavy?", [hit], "Ada"))
    assert outs[0]["prompt_tokens"] == llm.count_tokens(prompt) and outs[0]["retrieved"] == [hit.doc_id]


def test_earlier_answers_reuse_rows_by_reference_and_answer_mixed_items_runs_the_rest():
    import pandas as pd

    from llmcourse.evaluate import EvalResult

    asked = [{"id": "q1"}, {"id": "q2"}]
    ev = EvalResult("RAG", pd.DataFrame({"id": ["q1", "q2"], "answer": ["a1", "a2"], "seconds": [1.5, 2.5]}),
                    [{"answer": "a1", "citations": ["kb-1"], "junk": 1}, {"answer": "a2", "citations": []}])
    chosen = [{"id": "m1"}, {"id": "m2"}, {"id": "m3"}]
    refs = {"m1": "q2", "m2": "q9", "m3": "q1"}
    reused = cb.earlier_answers(ev, asked, chosen, refs)
    assert set(reused) == {"m1", "m3"}  # m2's question was not asked: left for a new run
    assert reused["m1"]["answer"] == "a2" and reused["m1"]["seconds"] == 2.5 and reused["m3"]["citations"] == ["kb-1"]
    assert "junk" not in reused["m3"]
    ran = []

    def approach(batch):
        ran.extend(it["id"] for it in batch)
        return [{"answer": f"new {it['id']}", "citations": []} for it in batch]

    missing = [it for it in chosen if it["id"] not in reused]
    new = cb.answer_mixed_items(approach, [{**it, "question": "?"} for it in missing], "RAG")
    assert ran == ["m2"] and new["m2"]["answer"] == "new m2" and "seconds" in new["m2"]
    assert cb.answer_mixed_items(approach, [], "RAG") == {} and ran == ["m2"]


@pytest.mark.parametrize("scores, want", [
    ({"RAG": 1.0, "fine-tune": 0.0, "agent": 1.0}, "RAG"), ({"RAG": 1.0, "fine-tune": 1.0, "agent": 1.0}, "fine-tune"),
    ({"RAG": 0.0, "fine-tune": 0.0, "agent": 1.0}, "agent"), ({"RAG": 0.0, "fine-tune": 0.0, "agent": 0.0}, None),
    ({"RAG": 0.5, "fine-tune": 0.0, "agent": 1.0}, "agent")])
def test_measured_winner_is_the_best_score_then_the_cheapest(scores, want):
    assert cb.measured_winner(scores, {"RAG": 1.0, "fine-tune": 0.5, "agent": 4.0}) == want
