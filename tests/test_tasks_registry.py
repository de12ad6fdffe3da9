"""Task templates are defined once (gold function and expert solver side by side), and the agent's tools compute
independently of the gold helpers they are checked against."""
import inspect
from datetime import date, timedelta

from llmcourse import agents, domain
from llmcourse.agents import tools as agent_tools
from llmcourse.domain import content as C
from llmcourse.domain import tasks as T
from llmcourse.domain.db import get_today


def test_every_template_has_phrasings_gold_expert_and_answer_type():
    names = list(T.TASK_TEMPLATES)
    assert len(names) == 10
    for views in (T.TEMPLATES, T.GOLD_FNS, T.PHRASINGS_TRAIN, T.PHRASINGS_EVAL, agents.EXTRA_PHRASINGS,
                  T.ANSWER_TYPES, T.EVAL_COUNTS):
        assert list(views) == names
    for name, t in T.TASK_TEMPLATES.items():
        assert t.name == name and t.phrasings_train and t.phrasings_eval and agents.EXTRA_PHRASINGS[name]
        assert callable(t.gold) and callable(t.expert) and t.answer_type in {"number", "text", "date", "bool"}
        assert T.GOLD_FNS[name] is t.gold and T.TEMPLATES[name] == (t.phrasings_train + t.phrasings_eval, t.gold)
        params = set(inspect.signature(t.gold).parameters) - {"conn"}
        assert params == set(inspect.signature(t.expert).parameters) - {"call"}, name


def test_tools_do_not_import_the_gold_helpers():
    source = inspect.getsource(agent_tools)
    assert "domain.tasks" not in source and "import tasks" not in source


def test_tool_add_months_agrees_with_the_gold_helper():
    box = agents.ToolBox(domain.connect())
    add = box.tools["add_months"]
    day = date(2023, 1, 1)
    while day <= date(2028, 12, 31):  # every day, with month ends and two leap years
        for months in (0, 1, 2, 3, 11, 12, 13, 24, 35, 48, 120, 240):
            assert add(day.isoformat(), months) == T.add_months(day, months).isoformat(), (day, months)
        day += timedelta(days=1)
    today = date.fromisoformat(get_today(box.conn))
    assert add("today", 24) == T.add_months(today, 24).isoformat() and box.tools["today"]() == today.isoformat()


def test_accessory_only_shipping_uses_the_shared_constant():
    calls = []
    results = {"get_order": {"country": "France", "total_eur": 59.0, "bikes": 0},
               "search_kb": [{"doc_id": "kb-x", "text": "| B | France, Austria | 3-5 days | €49 |"}],
               "calculator": 65.9}

    def call(text):
        calls.append(text)
        return results.get(text.split("(")[0])

    T.TASK_TEMPLATES["order_total_with_shipping"].expert(call, order_id="VB-10001")
    assert calls[2] == f'calculator("59.0 + {C.ACCESSORY_SHIPPING_EUR:g}")' == 'calculator("59.0 + 6.9")'
    assert calls[3] == 'final_answer("65.90")'
