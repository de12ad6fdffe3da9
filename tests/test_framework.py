"""The five-question framework, measured (llmcourse.framework) and its exercises 04.2 and 04.3."""
from __future__ import annotations

import json

import pytest

from llmcourse import domain
from llmcourse import framework as fw
from llmcourse.coursework import ExerciseFailed, check, decide04
from llmcourse.domain.mixed import FRAMEWORK_KEYS, framework

SCORES = {"no help": 0.0, "RAG": 0.0, "fine-tune": 0.0, "FT + RAG": 0.0, "agent": 0.0, "agent + RAG": 0.0}


def row(kind, split="dev", channel="help desk", dealer=None, updated=False, text="?", **scores):
    return {"id": f"mix-{split}-{kind}", "split": split, "kind": kind, "framework": framework(kind),
            "request": {"text": text, "channel": channel, "dealer": dealer, "source_updated": updated},
            "scores": {**SCORES, **scores}}


def course_recommend(q, reliability):
    from llmcourse.coursework.ex04 import _expected

    return _expected(q, reliability)


def test_reliability_is_each_approachs_dev_success_where_questions_1_to_4_send_it():
    rows = [row("kb_fact", RAG=1.0), row("fresh_fact", RAG=0.0), row("live_task", agent=1.0),
            row("kb_live_task", **{"agent + RAG": 0.0})]
    got = fw.reliability(rows, lambda q: course_recommend(q, dict.fromkeys(SCORES, 1.0)))
    assert got["RAG"] == 0.5 and got["agent"] == 1.0 and got["agent + RAG"] == 0.0
    assert got["FT + RAG"] == 0.0 and got["no help"] == 0.0  # nothing sent there: unmeasured, not trusted
    with pytest.raises(ValueError, match="dev items only"):
        fw.reliability([row("kb_fact", split="test")], lambda q: "RAG")


def test_question_5_falls_back_to_the_simplest_approach_only_below_the_bar():
    live = framework("kb_live_task")
    assert live["reliability_over_capability"]
    assert course_recommend(live, dict.fromkeys(SCORES, 1.0)) == "agent + RAG"
    assert course_recommend(live, {**dict.fromkeys(SCORES, 1.0), "agent + RAG": fw.RELIABILITY_BAR - 0.01}) == "RAG"
    reply = framework("ticket_reply")  # question 5 is no: a weak FT + RAG is still the choice
    assert course_recommend(reply, dict.fromkeys(SCORES, 0.0)) == "FT + RAG"


def test_agreement_counts_unsolved_items_as_misses():
    assert fw.agreement(["RAG", "agent", "RAG"], ["RAG", None, "agent"]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        fw.agreement(["RAG"], [])


def test_request_view_shows_no_kind_and_measures_whether_the_source_changed():
    class Chunk:
        def __init__(self, doc_id):
            self.doc_id = doc_id

    class Index:
        def search(self, query, k, tenant=None):
            return [(Chunk("pedalhaus-01" if tenant else "kb-015"), 1.0)]

    mixed = {m["kind"]: m for m in domain.load_eval("mixed")}
    changed = domain.changed_doc_ids(domain.load_updates())
    assert "kb-015" in changed and "kb-037" in changed  # a replaced and an added document
    view = fw.request_view(mixed["fresh_fact"], Index(), changed)
    assert view == {"text": mixed["fresh_fact"]["question"], "channel": "help desk", "dealer": None, "source_updated": True}
    dealer = fw.request_view(mixed["tenant_fact"], Index(), changed)
    assert dealer["dealer"] == mixed["tenant_fact"]["gold"]["tenant"] and dealer["source_updated"] is False
    assert {fw.CHANNELS[k] for k in ("ticket_reply", "classify")} == {"inbox: reply", "inbox: route"}
    json.dumps(view)


def answers_from_channel(request):
    inbox = request["channel"].startswith("inbox")
    live = request["channel"] == "help desk" and "VB-" in request["text"]
    return {"knowledge_changes_weekly": request["source_updated"] and not inbox,
            "needs_citations": request["channel"] != "inbox: route", "behaviour_change": inbox,
            "multistep_live_data": live, "reliability_over_capability": live or request["dealer"] is not None}


def test_exercise_04_3_passes_good_answers_and_names_the_weakest_question(monkeypatch, capsys):
    rows = [row("kb_fact"), row("fresh_fact", updated=True), row("tenant_fact", channel="dealer portal", dealer="x"),
            row("ticket_reply", channel="inbox: reply"), row("classify", channel="inbox: route"),
            row("live_task", text="Order VB-1: how many days?"), row("kb_live_task", text="VB-2 with shipping?")]
    monkeypatch.setattr(decide04, "item_scores", lambda split=None: rows)
    check("04.3", answers_from_channel)
    assert "[check] 04.3 passed" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="'multistep_live_data' agrees on 0.71"):
        check("04.3", lambda r: {**answers_from_channel(r), "multistep_live_data": False})
    with pytest.raises(ExerciseFailed, match="five booleans"):
        check("04.3", lambda r: {k: "yes" for k in FRAMEWORK_KEYS})


def test_exercise_04_2_wants_question_5_read_with_the_measured_reliability():
    check("04.2", course_recommend)
    with pytest.raises(ExerciseFailed, match="reliability="):
        check("04.2", lambda q, reliability: course_recommend(q, dict.fromkeys(reliability, 1.0)))  # Q5 ignored
