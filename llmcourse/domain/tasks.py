"""Multi-step questions over the shop database whose gold answer is computed by code.

TEMPLATES[name] = (question phrasings, gold_fn(conn, **params) -> str)
PHRASINGS_TRAIN[name] / PHRASINGS_EVAL[name] split the phrasings (disjoint).
Canonical answers: integers "12", money "2849.00", dates ISO, booleans "yes"/"no".
"""
from datetime import date

from . import content as C
from .db import get_today


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


# ---------------------------------------------------------------- gold functions

def gold_order_total(conn, order_id):
    return money(order_total_value(conn, order_id))


def gold_days_until_eta(conn, order_id):
    s = shipment(conn, order_id)
    if s["status"] in ("delivered", "returned"):
        return "0"
    return str(days_between(get_today(conn), s["eta"]))


def gold_stock_total(conn, model):
    row = conn.execute("""SELECT SUM(s.qty) FROM stock s JOIN products p ON p.sku = s.sku
                          WHERE p.model=?""", (model,)).fetchone()
    return str(row[0])


def gold_most_stocked_warehouse(conn, model):
    row = conn.execute("""SELECT s.warehouse FROM stock s JOIN products p ON p.sku = s.sku
                          WHERE p.model=? ORDER BY s.qty DESC, s.warehouse LIMIT 1""", (model,)).fetchone()
    return row[0]


def latest_order_id(conn, first_name, last_name):
    row = conn.execute("""SELECT id FROM orders WHERE customer_id=?
                          ORDER BY order_date DESC, id DESC LIMIT 1""",
                       (customer_id(conn, first_name, last_name),)).fetchone()
    return row[0]


def gold_latest_order_status(conn, first_name, last_name):
    return shipment(conn, latest_order_id(conn, first_name, last_name))["status"]


def gold_count_orders_customer(conn, first_name, last_name):
    row = conn.execute("SELECT COUNT(*) FROM orders WHERE customer_id=?",
                       (customer_id(conn, first_name, last_name),)).fetchone()
    return str(row[0])


def gold_booking_next_date(conn, first_name, last_name):
    row = conn.execute("""SELECT MIN(date) FROM service_bookings
                          WHERE customer_id=? AND status='booked' AND date >= ?""",
                       (customer_id(conn, first_name, last_name), get_today(conn))).fetchone()
    return row[0] or "none"


def gold_order_in_return_window(conn, order_id):
    """KB fact: returns are accepted within RETURN_WINDOW_DAYS days of delivery."""
    s = shipment(conn, order_id)
    if s["status"] != "delivered":
        return "no"
    return "yes" if days_between(s["delivered_date"], get_today(conn)) <= C.RETURN_WINDOW_DAYS else "no"


def gold_warranty_left_days(conn, order_id):
    """KB fact: the drive unit is covered for N months from the invoice (order) date."""
    order_date = conn.execute("SELECT order_date FROM orders WHERE id=?", (order_id,)).fetchone()[0]
    end = add_months(date.fromisoformat(order_date), C.WARRANTY["drive_unit_months"])
    return str(max(0, (end - date.fromisoformat(get_today(conn))).days))


def gold_order_total_with_shipping(conn, order_id):
    """KB fact: shipping costs a fixed amount per bike, by the customer's shipping zone."""
    country = conn.execute("""SELECT c.country FROM orders o JOIN customers c ON c.id = o.customer_id
                              WHERE o.id=?""", (order_id,)).fetchone()[0]
    bikes = conn.execute("""SELECT COALESCE(SUM(i.qty), 0) FROM order_items i JOIN products p ON p.sku = i.sku
                            WHERE i.order_id=? AND p.line != 'accessory'""", (order_id,)).fetchone()[0]
    cost = C.SHIPPING_ZONES[C.zone_of(country)]["cost"] * bikes if bikes else 6.90
    return money(order_total_value(conn, order_id) + cost)


# ---------------------------------------------------------------- phrasings

PHRASINGS_TRAIN = {
    "order_total": ["What is the total value of order {order_id}?",
                    "How much did order {order_id} cost in total, in euros?"],
    "days_until_eta": ["How many days until order {order_id} is expected to arrive?",
                       "In how many days is the shipment of {order_id} due?"],
    "stock_total": ["How many units of {model} do we have in stock across all warehouses?",
                    "What is the total stock of {model}?"],
    "latest_order_status": ["What is the shipment status of {first_name} {last_name}'s most recent order?",
                            "Where is the latest order of {first_name} {last_name} right now (shipment status)?"],
    "count_orders_customer": ["How many orders has {first_name} {last_name} placed?",
                              "Count the orders of customer {first_name} {last_name}."],
    "most_stocked_warehouse": ["Which warehouse holds the most {model} units?",
                               "In which warehouse do we have the largest stock of {model}?"],
    "booking_next_date": ["When is the next booked service appointment for {first_name} {last_name}?",
                          "On what date is {first_name} {last_name}'s upcoming service booking?"],
    "order_in_return_window": ["Can order {order_id} still be returned today under the return policy?",
                               "Is order {order_id} still inside the return window?"],
    "warranty_left_days": ["How many days of drive unit warranty are left for the bike in order {order_id}?",
                           "For order {order_id}, how many days remain on the motor warranty?"],
    "order_total_with_shipping": ["What is the total of order {order_id} including shipping?",
                                  "Order {order_id}: what does it cost with the shipping fee added?"],
}

PHRASINGS_EVAL = {
    "order_total": ["Add up all items of order {order_id}: what is the sum in EUR?"],
    "days_until_eta": ["Counting from today, how many days remain until the ETA of order {order_id}?"],
    "stock_total": ["If you add up every warehouse, how many {model} units are available?"],
    "latest_order_status": ["{first_name} {last_name} asks about their newest order. What status does its shipment have?"],
    "count_orders_customer": ["What is the number of orders on record for {first_name} {last_name}?"],
    "most_stocked_warehouse": ["Name the warehouse with the highest quantity of {model} on hand."],
    "booking_next_date": ["Which date is {first_name} {last_name} booked in for service next?"],
    "order_in_return_window": ["A customer wants to send back order {order_id} today. Is that allowed by our return window?"],
    "warranty_left_days": ["Order {order_id}: how many days are left before the drive unit coverage ends?"],
    "order_total_with_shipping": ["What would the customer of order {order_id} pay in total once shipping to their zone is included?"],
}

GOLD_FNS = {
    "order_total": gold_order_total,
    "days_until_eta": gold_days_until_eta,
    "stock_total": gold_stock_total,
    "latest_order_status": gold_latest_order_status,
    "count_orders_customer": gold_count_orders_customer,
    "most_stocked_warehouse": gold_most_stocked_warehouse,
    "booking_next_date": gold_booking_next_date,
    "order_in_return_window": gold_order_in_return_window,
    "warranty_left_days": gold_warranty_left_days,
    "order_total_with_shipping": gold_order_total_with_shipping,
}

TEMPLATES = {name: (PHRASINGS_TRAIN[name] + PHRASINGS_EVAL[name], fn) for name, fn in GOLD_FNS.items()}

ANSWER_TYPES = {"order_total": "number", "days_until_eta": "number", "stock_total": "number",
                "latest_order_status": "text", "count_orders_customer": "number",
                "most_stocked_warehouse": "text", "booking_next_date": "date",
                "order_in_return_window": "bool", "warranty_left_days": "number",
                "order_total_with_shipping": "number"}
NEEDS_KB = {"order_in_return_window", "warranty_left_days", "order_total_with_shipping"}


# ---------------------------------------------------------------- sampling parameters

def _orders(conn, where="1=1"):
    return [r[0] for r in conn.execute(f"""SELECT o.id FROM orders o JOIN shipments s ON s.order_id = o.id
                                           WHERE {where} ORDER BY o.id""")]


def _customers(conn, where="1=1"):
    return [(r[0], r[1]) for r in conn.execute(f"""SELECT first_name, last_name FROM customers c
                                                   WHERE {where} ORDER BY c.id""")]


def _models(conn):
    return [r[0] for r in conn.execute("SELECT model FROM products ORDER BY sku")]


def _unique_max_models(conn):
    models = []
    for model in _models(conn):
        qtys = sorted((r[0] for r in conn.execute("""SELECT s.qty FROM stock s JOIN products p
                       ON p.sku = s.sku WHERE p.model=?""", (model,))), reverse=True)
        if qtys[0] > qtys[1]:
            models.append(model)
    return models


def candidates(template, conn):
    """All parameter dicts that make sense for a template in the current database."""
    today = get_today(conn)
    with_orders = "EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)"
    with_booking = (f"EXISTS (SELECT 1 FROM service_bookings b WHERE b.customer_id = c.id "
                    f"AND b.status='booked' AND b.date >= '{today}')")
    if template in ("order_total", "warranty_left_days", "order_total_with_shipping"):
        return [{"order_id": o} for o in _orders(conn)]
    if template == "days_until_eta":
        return [{"order_id": o} for o in _orders(conn, f"s.status IN ('processing','shipped','in_transit') "
                                                       f"AND s.eta > '{today}'")]
    if template == "order_in_return_window":
        return [{"order_id": o} for o in _orders(conn, "s.status = 'delivered'")]
    if template == "stock_total":
        return [{"model": m} for m in _models(conn)]
    if template == "most_stocked_warehouse":
        return [{"model": m} for m in _unique_max_models(conn)]
    where = with_booking if template == "booking_next_date" else with_orders
    return [{"first_name": f, "last_name": l} for f, l in _customers(conn, where)]


def entity_of(params) -> str:
    """The entity a task is about: an order id, a model name or a customer's full name."""
    if "order_id" in params:
        return params["order_id"]
    if "model" in params:
        return params["model"]
    return f"{params['first_name']} {params['last_name']}"


def sample_params(template, conn, rng, exclude: set = frozenset()) -> dict:
    """Pick parameters for `template` whose entity (see entity_of) is not in `exclude`.

    Pass the entities of the eval set as `exclude` to build disjoint training tasks.
    """
    options = [p for p in candidates(template, conn) if entity_of(p) not in exclude]
    if not options:
        raise ValueError(f"no unused entity left for template {template!r}")
    return rng.choice(options)


def compute_gold(task, conn) -> str:
    return GOLD_FNS[task["template"]](conn, **task["params"])


def make_task(task_id, template, params, phrasing, conn):
    return {"id": task_id, "template": template, "params": params,
            "question": phrasing.format(**params),
            "answer": GOLD_FNS[template](conn, **params),
            "answer_type": ANSWER_TYPES[template], "needs_kb": template in NEEDS_KB}


EVAL_COUNTS = {"order_total": 6, "days_until_eta": 6, "stock_total": 5, "latest_order_status": 6,
               "count_orders_customer": 6, "most_stocked_warehouse": 5, "booking_next_date": 6,
               "order_in_return_window": 6, "warranty_left_days": 6, "order_total_with_shipping": 6}


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
    """The eval set: entities all distinct, phrasings from PHRASINGS_EVAL."""
    tasks, used = [], set()
    for template, count in EVAL_COUNTS.items():
        for k in range(count):
            params = _eval_params(template, conn, rng, used, k)
            used.add(entity_of(params))
            phrasing = rng.choice(PHRASINGS_EVAL[template])
            tasks.append(make_task(f"task-{len(tasks) + 1:03d}", template, params, phrasing, conn))
    return tasks


def eval_entities(tasks) -> set:
    return {entity_of(t["params"]) for t in tasks}
