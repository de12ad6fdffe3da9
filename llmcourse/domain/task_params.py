"""Task parameters: which entities (orders, models, customers) each task template can ask about today."""
from .db import get_today


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
