"""The Voltbird shop database (SQLite): build, connect and advance the simulated calendar.

The history is produced by simulating day after day with a seeded random.Random,
so `advance_today` reuses exactly the same daily step as the initial build.
No wall clock is used anywhere: "today" lives in the meta table.
"""
import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from . import content as C

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE customers (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT,
                        city TEXT, country TEXT, tenant TEXT);
CREATE TABLE products (sku TEXT PRIMARY KEY, model TEXT, line TEXT, price_eur REAL, battery_wh INTEGER);
CREATE TABLE stock (sku TEXT, warehouse TEXT, qty INTEGER, PRIMARY KEY (sku, warehouse));
CREATE TABLE orders (id TEXT PRIMARY KEY, customer_id INTEGER, order_date TEXT, status TEXT, channel TEXT);
CREATE TABLE order_items (order_id TEXT, sku TEXT, qty INTEGER, unit_price_eur REAL);
CREATE TABLE shipments (order_id TEXT PRIMARY KEY, carrier TEXT, status TEXT, shipped_date TEXT,
                        eta TEXT, delivered_date TEXT, warehouse TEXT);
CREATE TABLE service_bookings (id TEXT PRIMARY KEY, customer_id INTEGER, sku TEXT, date TEXT,
                               kind TEXT, status TEXT);
CREATE TABLE warranty_claims (id TEXT PRIMARY KEY, order_id TEXT, opened TEXT, status TEXT, reason TEXT);
"""

TABLES = ["meta", "customers", "products", "stock", "orders", "order_items", "shipments",
          "service_bookings", "warranty_claims"]
FIRST_ORDER_NUMBER = 10234
N_TRAIN_CUSTOMERS = 84
N_HELDOUT_CUSTOMERS = len(C.FIRST_NAMES_HELDOUT)


def default_db_path() -> Path:
    from . import DATA_DIR  # late import: DATA_DIR may be overridden by LLMCOURSE_DATA
    return DATA_DIR / "voltbird.sqlite"


def connect(path=None, readonly=True) -> sqlite3.Connection:
    """Open the shop database; read-only (URI mode=ro) unless readonly=False."""
    path = Path(path) if path else default_db_path()
    if readonly:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    else:
        conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return conn


def d(s: str) -> date:
    return date.fromisoformat(s)


def get_today(conn) -> str:
    return conn.execute("SELECT value FROM meta WHERE key='today'").fetchone()[0]


# ---------------------------------------------------------------- initial tables

def insert_products(conn):
    rows = [(m["sku"], m["model"], m["line"], float(m["price"]), m["battery_wh"]) for m in C.MODELS]
    rows += [(a["sku"], a["model"], "accessory", a["price"], None) for a in C.ACCESSORIES]
    conn.executemany("INSERT INTO products VALUES (?,?,?,?,?)", rows)


def make_customers(rng):
    """Train-pool customers first, then held-out customers (disjoint first names)."""
    customers, used = [], set()
    pools = [(C.FIRST_NAMES_TRAIN, N_TRAIN_CUSTOMERS), (C.FIRST_NAMES_HELDOUT, N_HELDOUT_CUSTOMERS)]
    for first_names, n in pools:
        count = 0
        while count < n:
            first, last = rng.choice(first_names), rng.choice(C.LAST_NAMES)
            if (first, last) in used:
                continue
            used.add((first, last))
            customers.append((first, last))
            count += 1
    return customers


def insert_customers(conn, rng):
    dealers = list(C.DEALERS)
    for cid, (first, last) in enumerate(make_customers(rng), 1):
        if rng.random() < 0.25:
            tenant = rng.choice(dealers)
            city, country = C.DEALER_CITIES[tenant]
        else:
            tenant = "public"
            city, country = rng.choice(C.CITIES)
        email = f"{first}.{last}".lower().replace(" ", "") + "@example.com"
        conn.execute("INSERT INTO customers VALUES (?,?,?,?,?,?,?)",
                     (cid, first, last, email, city, country, tenant))


def insert_stock(conn, rng):
    for sku, line in conn.execute("SELECT sku, line FROM products ORDER BY sku").fetchall():
        for wh in C.WAREHOUSES:
            qty = rng.randint(30, 120) if line == "accessory" else rng.randint(8, 40)
            conn.execute("INSERT INTO stock VALUES (?,?,?)", (sku, wh, qty))


# ---------------------------------------------------------------- one simulated day

def next_order_id(conn):
    row = conn.execute("SELECT MAX(CAST(SUBSTR(id, 4) AS INTEGER)) FROM orders").fetchone()
    return f"VB-{(row[0] or FIRST_ORDER_NUMBER - 1) + 1}"


def unit_price(product, channel):
    sku, model, line, price = product
    if line != "accessory" and channel != "online":
        return float(C.dealer_price(channel, C.model_by_name(model)))
    return price


def take_stock(conn, sku, qty, preferred):
    """Remove qty from the preferred warehouse, else from the fullest one. Returns the warehouse."""
    rows = conn.execute("SELECT warehouse, qty FROM stock WHERE sku=? ORDER BY qty DESC, warehouse",
                        (sku,)).fetchall()
    have = {wh: q for wh, q in rows}
    warehouse = preferred if have[preferred] >= qty else rows[0][0]
    if have[warehouse] < qty:
        conn.execute("UPDATE stock SET qty = qty + 20 WHERE sku=? AND warehouse=?", (sku, warehouse))
    conn.execute("UPDATE stock SET qty = qty - ? WHERE sku=? AND warehouse=?", (qty, sku, warehouse))
    return warehouse


def place_order(conn, rng, day):
    """Create one order (a bike, sometimes accessories) with its shipment. Returns stock moves."""
    customers = conn.execute("SELECT id, country, tenant FROM customers ORDER BY id").fetchall()
    cid, country, tenant = rng.choice(customers)
    channel = "online" if tenant == "public" else tenant
    products = conn.execute("SELECT sku, model, line, price_eur FROM products ORDER BY sku").fetchall()
    bikes = [p for p in products if p[2] != "accessory"]
    items = [(rng.choice(bikes), 2 if rng.random() < 0.05 else 1)]
    extras = [p for p in products if p[2] == "accessory"]
    for acc in rng.sample(extras, rng.choice([0, 0, 1, 1, 2])):
        items.append((acc, rng.randint(1, 2)))
    order_id = next_order_id(conn)
    conn.execute("INSERT INTO orders VALUES (?,?,?,?,?)", (order_id, cid, day.isoformat(), "open", channel))
    preferred = C.NEAREST_WAREHOUSE[country]
    warehouse = preferred
    for product, qty in items:
        conn.execute("INSERT INTO order_items VALUES (?,?,?,?)",
                     (order_id, product[0], qty, unit_price(product, channel)))
        wh = take_stock(conn, product[0], qty, preferred)
        if product[2] != "accessory":
            warehouse = wh
    zone = C.zone_of(country)
    eta = day + timedelta(days=2 + C.TRANSIT_DAYS[zone][1])
    conn.execute("INSERT INTO shipments VALUES (?,?,?,?,?,?,?)",
                 (order_id, C.CARRIERS[zone], "processing", None, eta.isoformat(), None, warehouse))
    return len(items)


def progress_shipments(conn, rng, day):
    """Move shipments one step along processing → shipped → in_transit → delivered (or returned)."""
    moved, stock_moves = 0, 0
    rows = conn.execute("""SELECT s.order_id, s.status, s.eta, s.delivered_date, s.warehouse, c.country
                           FROM shipments s JOIN orders o ON o.id = s.order_id
                           JOIN customers c ON c.id = o.customer_id
                           WHERE s.status IN ('processing','shipped','in_transit','delivered')
                           ORDER BY s.order_id""").fetchall()
    iso = day.isoformat()
    for order_id, status, eta, delivered, _warehouse, country in rows:
        if status == "processing" and rng.random() < 0.6:
            low, high = C.TRANSIT_DAYS[C.zone_of(country)]
            new_eta = (day + timedelta(days=rng.randint(low, high))).isoformat()
            conn.execute("UPDATE shipments SET status='shipped', shipped_date=?, eta=? WHERE order_id=?",
                         (iso, new_eta, order_id))
        elif status == "shipped":
            conn.execute("UPDATE shipments SET status='in_transit' WHERE order_id=?", (order_id,))
        elif status == "in_transit" and eta <= iso:
            conn.execute("UPDATE shipments SET status='delivered', delivered_date=? WHERE order_id=?",
                         (iso, order_id))
            conn.execute("UPDATE orders SET status='completed' WHERE id=?", (order_id,))
        elif status == "delivered" and (day - d(delivered)).days <= C.RETURN_WINDOW_DAYS \
                and rng.random() < 0.002:
            conn.execute("UPDATE shipments SET status='returned' WHERE order_id=?", (order_id,))
            conn.execute("UPDATE orders SET status='returned' WHERE id=?", (order_id,))
            stock_moves += return_to_stock(conn, order_id)
        else:
            continue
        moved += 1
    return moved, stock_moves


def return_to_stock(conn, order_id):
    items = conn.execute("SELECT sku, qty FROM order_items WHERE order_id=? ORDER BY sku", (order_id,)).fetchall()
    for sku, qty in items:
        conn.execute("UPDATE stock SET qty = qty + ? WHERE sku=? AND warehouse='Leipzig'", (qty, sku))
    return len(items)


def restock(conn):
    """Refill every bin that runs low (bikes +20, accessories +60)."""
    low = conn.execute("""SELECT s.sku, s.warehouse, p.line FROM stock s JOIN products p ON p.sku = s.sku
                          WHERE s.qty < 4 ORDER BY s.sku, s.warehouse""").fetchall()
    for sku, wh, line in low:
        amount = 60 if line == "accessory" else 20
        conn.execute("UPDATE stock SET qty = qty + ? WHERE sku=? AND warehouse=?", (amount, sku, wh))
    return len(low)


def simulate_day(conn, rng, day):
    """One calendar day: shipments progress, new orders arrive, low stock is refilled."""
    moved, stock_moves = progress_shipments(conn, rng, day)
    new_orders = rng.randint(1, 3)
    for _ in range(new_orders):
        stock_moves += place_order(conn, rng, day)
    stock_moves += restock(conn)
    return {"new_orders": new_orders, "stock_moves": stock_moves, "shipments_progressed": moved}


def finish_bookings(conn, today):
    conn.execute("UPDATE service_bookings SET status='done' WHERE status='booked' AND date < ?", (today,))


# ---------------------------------------------------------------- bookings and claims

def insert_bookings(conn, rng, today):
    customers = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    skus = [m["sku"] for m in C.MODELS]
    for n in range(90):
        day = d(today) + timedelta(days=rng.randint(-90, 35))
        status = "booked" if day >= d(today) else rng.choice(["done", "done", "done", "cancelled"])
        conn.execute("INSERT INTO service_bookings VALUES (?,?,?,?,?,?)",
                     (f"SB-{5001 + n}", rng.choice(customers), rng.choice(skus), day.isoformat(),
                      rng.choice(C.BOOKING_KINDS), status))


def insert_claims(conn, rng, today):
    delivered = conn.execute("""SELECT order_id, delivered_date FROM shipments WHERE status='delivered'
                                ORDER BY order_id""").fetchall()
    for n, (order_id, delivered_date) in enumerate(rng.sample(delivered, 18)):
        span = max(0, (d(today) - d(delivered_date)).days)
        opened = d(delivered_date) + timedelta(days=rng.randint(0, span))
        conn.execute("INSERT INTO warranty_claims VALUES (?,?,?,?,?)",
                     (f"WC-{301 + n}", order_id, opened.isoformat(),
                      rng.choice(["open", "approved", "approved", "rejected"]), rng.choice(C.CLAIM_REASONS)))


# ---------------------------------------------------------------- public entry points

def build_db(path, seed=0):
    """Create the database from scratch: customers, products, stock, then HISTORY_DAYS of trading."""
    path = Path(path)
    if path.exists():
        path.unlink()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    insert_products(conn)
    insert_customers(conn, rng)
    insert_stock(conn, rng)
    start = d(C.TODAY) - timedelta(days=C.HISTORY_DAYS)
    for offset in range(C.HISTORY_DAYS + 1):
        simulate_day(conn, rng, start + timedelta(days=offset))
    conn.execute("INSERT INTO meta VALUES ('today', ?)", (C.TODAY,))
    insert_bookings(conn, rng, C.TODAY)
    insert_claims(conn, rng, C.TODAY)
    conn.commit()
    conn.close()
    return path


def advance_today(db_path, days=7, seed=1) -> dict:
    """Move meta.today forward by `days`, simulating each new day. Needs a writable db file."""
    conn = sqlite3.connect(db_path)
    old_today = get_today(conn)
    rng = random.Random(f"advance-{seed}-{old_today}-{days}")
    totals = {"new_orders": 0, "stock_moves": 0, "shipments_progressed": 0}
    for offset in range(1, days + 1):
        for key, value in simulate_day(conn, rng, d(old_today) + timedelta(days=offset)).items():
            totals[key] += value
    new_today = (d(old_today) + timedelta(days=days)).isoformat()
    conn.execute("UPDATE meta SET value=? WHERE key='today'", (new_today,))
    finish_bookings(conn, new_today)
    conn.commit()
    conn.close()
    return {**totals, "old_today": old_today, "new_today": new_today}


def table_rows(conn, table):
    """All rows of a table in a stable order (used to compare databases by content)."""
    return [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
