"""Multi-step questions over the shop database whose gold answer is computed by code.

Each task template is defined once, in TASK_TEMPLATES, with its gold function and its expert solver side by side:
- gold(conn, **params) -> str: the answer by SQL over the database (and KB facts from content.py);
- expert(call, **params): the same task solved the way a careful agent would, one tool call at a time
  (`call(text)` runs a call such as 'get_order("VB-10234")' and returns its parsed result). The agent's training
  traces come from these (agents.expert_trace). The expert works from tool results (plus the flat accessory
  shipping fee of content.py) and shares no code with the gold: two independent computations that must agree.
TEMPLATES[name] = (question phrasings, gold_fn), GOLD_FNS, ANSWER_TYPES, NEEDS_KB and EVAL_COUNTS are views of
TASK_TEMPLATES; PHRASINGS_TRAIN / PHRASINGS_DEV / PHRASINGS_TEST (phrasings.py) split the phrasings (disjoint).
Which entities a template can ask about (candidates, entity_of, sample_params) is in task_params.py.
Canonical answers: integers "12", money "2849.00", dates ISO, booleans "yes"/"no".
"""
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from . import content as C
from .db import get_today
from .phrasings import PHRASINGS_DEV, PHRASINGS_EVAL, PHRASINGS_TEST, PHRASINGS_TRAIN
from .task_params import candidates, entity_of, sample_params


def money(x):
    return f"{x:.2f}"


def days_between(a, b):
    return (date.fromisoformat(b) - date.fromisoformat(a)).days


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later (clamped to the month's last day)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for dd in (day.day, 30, 29, 28):
        try:
            return date(year, month, dd)
        except ValueError:
            continue


# ---------------------------------------------------------------- small queries

def customer_id(conn, first_name, last_name):
    row = conn.execute("SELECT id FROM customers WHERE first_name=? AND last_name=?",
                       (first_name, last_name)).fetchone()
    return row[0]


def order_total_value(conn, order_id):
    row = conn.execute("SELECT SUM(qty * unit_price_eur) FROM order_items WHERE order_id=?",
                       (order_id,)).fetchone()
    return round(row[0], 2)


def shipment(conn, order_id):
    return conn.execute("SELECT * FROM shipments WHERE order_id=?", (order_id,)).fetchone()


def latest_order_id(conn, first_name, last_name):
    row = conn.execute("""SELECT id FROM orders WHERE customer_id=?
                          ORDER BY order_date DESC, id DESC LIMIT 1""",
                       (customer_id(conn, first_name, last_name),)).fetchone()
    return row[0]


# ---------------------------------------------------------------- helpers of the expert solvers

def _q(value) -> str:
    """A literal argument as the agent writes it: "VB-10234" with double quotes."""
    return json.dumps(value)


def _kb_number(kb: list, unit: str) -> int:
    """The first '<n> <unit>' in the retrieved passages, e.g. 28 from '... within 28 days ...'."""
    return int(re.search(rf"(\d+) {unit}", " ".join(k["text"] for k in kb)).group(1))


def _shipping_cost(kb: list, country: str) -> float:
    """Read the per-bike shipping cost for a country's zone out of the retrieved table row."""
    text = " ".join(k["text"] for k in kb)
    for countries, cost in re.findall(r"\|\s*[A-Z]\s*\|([^|]*)\|[^|]*\|\s*€\s?(\d+(?:\.\d+)?)", text):
        if country in countries:
            return float(cost)
    raise ValueError(f"no shipping cost for {country} in the retrieved text")


def _customer(call, first_name, last_name) -> dict:
    return call(f"find_customer({_q(first_name)}, {_q(last_name)})")


# ---------------------------------------------------------------- the templates: gold function, then expert solver

def gold_order_total(conn, order_id):
    return money(order_total_value(conn, order_id))


def expert_order_total(call, order_id):
    order = call(f"get_order({_q(order_id)})")
    call(f"final_answer({_q('%.2f' % order['total_eur'])})")


def gold_days_until_eta(conn, order_id):
    s = shipment(conn, order_id)
    if s["status"] in ("delivered", "returned"):
        return "0"
    return str(days_between(get_today(conn), s["eta"]))


def expert_days_until_eta(call, order_id):
    ship = call(f"get_shipment({_q(order_id)})")
    if ship["status"] in ("delivered", "returned"):
        call('final_answer("0")')
    else:
        days = call(f"days_between(\"today\", {_q(ship['eta'])})")
        call(f"final_answer({_q(str(days))})")


def gold_stock_total(conn, model):
    row = conn.execute("""SELECT SUM(s.qty) FROM stock s JOIN products p ON p.sku = s.sku
                          WHERE p.model=?""", (model,)).fetchone()
    return str(row[0])


def expert_stock_total(call, model):
    stock = call(f"get_stock({_q(model)})")
    call(f"final_answer({_q(str(stock['total']))})")


def gold_latest_order_status(conn, first_name, last_name):
    return shipment(conn, latest_order_id(conn, first_name, last_name))["status"]


def expert_latest_order_status(call, first_name, last_name):
    orders = call(f"list_orders({_customer(call, first_name, last_name)['id']})")
    ship = call(f"get_shipment({_q(orders['orders'][0]['id'])})")
    call(f"final_answer({_q(ship['status'])})")


def gold_count_orders_customer(conn, first_name, last_name):
    row = conn.execute("SELECT COUNT(*) FROM orders WHERE customer_id=?",
                       (customer_id(conn, first_name, last_name),)).fetchone()
    return str(row[0])


def expert_count_orders_customer(call, first_name, last_name):
    orders = call(f"list_orders({_customer(call, first_name, last_name)['id']})")
    call(f"final_answer({_q(str(orders['count']))})")


def gold_most_stocked_warehouse(conn, model):
    row = conn.execute("""SELECT s.warehouse FROM stock s JOIN products p ON p.sku = s.sku
                          WHERE p.model=? ORDER BY s.qty DESC, s.warehouse LIMIT 1""", (model,)).fetchone()
    return row[0]


def expert_most_stocked_warehouse(call, model):
    stock = call(f"get_stock({_q(model)})")
    call(f"final_answer({_q(stock['warehouses'][0]['warehouse'])})")


def gold_booking_next_date(conn, first_name, last_name):
    row = conn.execute("""SELECT MIN(date) FROM service_bookings
                          WHERE customer_id=? AND status='booked' AND date >= ?""",
                       (customer_id(conn, first_name, last_name), get_today(conn))).fetchone()
    return row[0] or "none"


def expert_booking_next_date(call, first_name, last_name):
    rows = call(f"list_bookings({_customer(call, first_name, last_name)['id']})")
    call(f"final_answer({_q(rows[0]['date'] if rows else 'none')})")


def gold_order_in_return_window(conn, order_id):
    """KB fact: returns are accepted within RETURN_WINDOW_DAYS days of delivery."""
    s = shipment(conn, order_id)
    if s["status"] != "delivered":
        return "no"
    return "yes" if days_between(s["delivered_date"], get_today(conn)) <= C.RETURN_WINDOW_DAYS else "no"


def expert_order_in_return_window(call, order_id):
    ship = call(f"get_shipment({_q(order_id)})")
    if ship["status"] != "delivered":
        call('final_answer("no")')
        return
    window = _kb_number(call('search_kb("return window days after delivery")'), "days")
    since = call(f"days_between({_q(ship['delivered_date'])}, \"today\")")
    ok = call(f"calculator({_q(f'{since} <= {window}')})")
    call(f"final_answer({_q('yes' if ok else 'no')})")


def gold_warranty_left_days(conn, order_id):
    """KB fact: the drive unit is covered for N months from the invoice (order) date."""
    order_date = conn.execute("SELECT order_date FROM orders WHERE id=?", (order_id,)).fetchone()[0]
    end = add_months(date.fromisoformat(order_date), C.WARRANTY["drive_unit_months"])
    return str(max(0, (end - date.fromisoformat(get_today(conn))).days))


def expert_warranty_left_days(call, order_id):
    order = call(f"get_order({_q(order_id)})")
    months = _kb_number(call('search_kb("drive unit warranty months")'), "months")
    end = call(f"add_months({_q(order['order_date'])}, {months})")
    left = call(f"days_between(\"today\", {_q(end)})")
    call(f"final_answer({_q(str(max(0, left)))})")


def gold_order_total_with_shipping(conn, order_id):
    """KB fact: shipping costs a fixed amount per bike, by the customer's shipping zone."""
    country = conn.execute("""SELECT c.country FROM orders o JOIN customers c ON c.id = o.customer_id
                              WHERE o.id=?""", (order_id,)).fetchone()[0]
    bikes = conn.execute("""SELECT COALESCE(SUM(i.qty), 0) FROM order_items i JOIN products p ON p.sku = i.sku
                            WHERE i.order_id=? AND p.line != 'accessory'""", (order_id,)).fetchone()[0]
    cost = C.SHIPPING_ZONES[C.zone_of(country)]["cost"] * bikes if bikes else C.ACCESSORY_SHIPPING_EUR
    return money(order_total_value(conn, order_id) + cost)


def expert_order_total_with_shipping(call, order_id):
    order = call(f"get_order({_q(order_id)})")
    kb = call(f"search_kb({_q('shipping cost per bike ' + order['country'])})")
    cost, total, bikes = _shipping_cost(kb, order["country"]), order["total_eur"], order["bikes"]
    expression = f"{total} + {bikes} * {cost:g}" if bikes else f"{total} + {C.ACCESSORY_SHIPPING_EUR:g}"
    total = call(f"calculator({_q(expression)})")
    call(f"final_answer({_q(f'{total:.2f}')})")


# ---------------------------------------------------------------- the registry

@dataclass(frozen=True)
class TaskTemplate:
    """One kind of task, defined once: how to compute its answer, how an agent solves it, how it is scored."""

    name: str
    gold: Callable  # gold(conn, **params) -> canonical answer
    expert: Callable  # expert(call, **params): the tool calls of a careful agent, ending in final_answer
    answer_type: str  # number, text, date or bool: how evaluate.task_match compares answers
    eval_count: int  # tasks of this template in the eval set
    needs_kb: bool = False  # the answer needs a fact from the knowledge base

    @property
    def phrasings_train(self) -> list[str]:
        return PHRASINGS_TRAIN[self.name]

    @property
    def phrasings_eval(self) -> list[str]:
        return PHRASINGS_EVAL[self.name]


TASK_TEMPLATES = {t.name: t for t in [
    TaskTemplate("order_total", gold_order_total, expert_order_total, "number", 6),
    TaskTemplate("days_until_eta", gold_days_until_eta, expert_days_until_eta, "number", 6),
    TaskTemplate("stock_total", gold_stock_total, expert_stock_total, "number", 5),
    TaskTemplate("latest_order_status", gold_latest_order_status, expert_latest_order_status, "text", 6),
    TaskTemplate("count_orders_customer", gold_count_orders_customer, expert_count_orders_customer, "number", 6),
    TaskTemplate("most_stocked_warehouse", gold_most_stocked_warehouse, expert_most_stocked_warehouse, "text", 5),
    TaskTemplate("booking_next_date", gold_booking_next_date, expert_booking_next_date, "date", 6),
    TaskTemplate("order_in_return_window", gold_order_in_return_window, expert_order_in_return_window, "bool", 6,
                 needs_kb=True),
    TaskTemplate("warranty_left_days", gold_warranty_left_days, expert_warranty_left_days, "number", 6,
                 needs_kb=True),
    TaskTemplate("order_total_with_shipping", gold_order_total_with_shipping, expert_order_total_with_shipping,
                 "number", 6, needs_kb=True),
]}

GOLD_FNS = {name: t.gold for name, t in TASK_TEMPLATES.items()}
TEMPLATES = {name: (t.phrasings_train + t.phrasings_eval, t.gold) for name, t in TASK_TEMPLATES.items()}
ANSWER_TYPES = {name: t.answer_type for name, t in TASK_TEMPLATES.items()}
NEEDS_KB = {name for name, t in TASK_TEMPLATES.items() if t.needs_kb}
EVAL_COUNTS = {name: t.eval_count for name, t in TASK_TEMPLATES.items()}


# ---------------------------------------------------------------- tasks and the eval set

def compute_gold(task, conn) -> str:
    return GOLD_FNS[task["template"]](conn, **task["params"])


def make_task(task_id, template, params, phrasing, conn):
    return {"id": task_id, "template": template, "params": params,
            "question": phrasing.format(**params),
            "answer": GOLD_FNS[template](conn, **params),
            "answer_type": ANSWER_TYPES[template], "needs_kb": template in NEEDS_KB}


def _eval_params(template, conn, rng, used, k):
    """Like sample_params, but half of the status questions ask about undelivered orders,
    so that the gold is not always 'delivered'."""
    if template == "latest_order_status" and k % 2 == 0:
        options = [p for p in candidates(template, conn) if entity_of(p) not in used
                   and GOLD_FNS[template](conn, **p) != "delivered"]
        if options:
            return rng.choice(options)
    return sample_params(template, conn, rng, used)


def build_eval_tasks(conn, rng):
    """The eval set, split by construction: per template, the first half (rounded down) are dev tasks in
    PHRASINGS_DEV, the rest test tasks, each in the next of PHRASINGS_TEST (so every test phrasing is used).
    Entities are all distinct, so test entities appear in no dev task (and training excludes both).
    The split is written into the id ('task-dev-007', 'task-test-012'); `domain.split_of` reads it."""
    tasks, used = [], set()
    for template, count in EVAL_COUNTS.items():
        n_dev = count // 2
        for k in range(count):
            params = _eval_params(template, conn, rng, used, k)
            used.add(entity_of(params))
            split = "dev" if k < n_dev else "test"
            phrasing = (rng.choice(PHRASINGS_DEV[template]) if split == "dev"
                        else PHRASINGS_TEST[template][(k - n_dev) % len(PHRASINGS_TEST[template])])
            number = sum(t["id"].startswith(f"task-{split}-") for t in tasks) + 1
            tasks.append(make_task(f"task-{split}-{number:03d}", template, params, phrasing, conn))
    return tasks


def eval_entities(tasks) -> set:
    return {entity_of(t["params"]) for t in tasks}
