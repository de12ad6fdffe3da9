"""Support tickets with gold replies in the Voltbird house style (see style.py).

Three splits: train, and the held-out tickets split into dev and test (`split_of` of the id). Train, dev and test
use disjoint customers (and therefore disjoint order ids). Part of the held-out set uses message templates that
never appear in train. Test tickets also have entities of their own (`TEST_ONLY`): the bikes, parts and error codes
that decide a reply's body are reserved for test in that category, so no test reply body repeats a train or dev
body (`reply_body`; a test checks it).
"""
from . import content as C
from .style import SIGNOFF, is_compliant

# Per category, the slot values only test tickets use. A reply's body (everything but the greeting) depends only on
# these slots for these categories (shipping and returns bodies name the order, and customers are disjoint).
TEST_ONLY = {
    "battery": {"model": {"Metro S3", "Haul C1"}},
    "warranty": {"model": {"Ridge T5", "Haul C2"}},
    "service_booking": {"model": {"Metro S2", "Ridge T7"}},
    "error_code": {"code": {"E-104", "E-217", "E-311", "E-507"}},
}

# Message templates per category: (template, variant). Placeholders: {model} {order_id} {code} {part}.
TRAIN_TEMPLATES = {
    "battery": [
        ("My {model} battery drains much faster than it used to. Is that normal?", None),
        ("how should i store the battery of my {model} over the winter?", None),
        ("The battery of my {model} only lasts half as long as in summer. What can I do?", None),
        ("What's the best way to keep the {model} battery healthy for years?", None),
        ("Can I leave my {model} plugged in all the time, or does that hurt the battery?", None),
        ("Range on my {model} dropped a lot since I bought it. Any tips for the battery?", None),
    ],
    "error_code": [
        ("My display shows {code} and the assist stopped. What does it mean?", None),
        ("{code} on my {model}?? help", None),
        ("Since this morning my {model} keeps showing error {code}. How do I fix it?", None),
        ("I got code {code} during my ride today. Is the bike safe?", None),
        ("What should I do about {code}? It shows up every time I switch the {model} on.", None),
        ("error {code} again... third time this week", None),
    ],
    "shipping": [
        ("Where is my order {order_id}? I haven't heard anything.", None),
        ("Any update on order {order_id}? Would like to know when it arrives.", None),
        ("When will {order_id} be delivered?", None),
        ("hi, tracking for {order_id} isn't clear to me. where is the bike now?", None),
        ("I ordered a bike ({order_id}) and I'm waiting. Can you check the delivery status?", None),
    ],
    "returns": [
        ("I'd like to return my {model} from order {order_id}. How does that work?", None),
        ("The {model} isn't right for me. Can I send back order {order_id}?", None),
        ("Please tell me how to return order {order_id}.", None),
        ("changed my mind about {order_id}, can i still return it??", None),
        ("Is a refund possible for order {order_id}? The bike is unused.", None),
    ],
    "warranty": [
        ("The {part} on my {model} seems faulty. Is it covered by warranty?", None),
        ("How long is the warranty on the {part} of a {model}?", None),
        ("I think the {part} of my {model} is defective. How do I make a claim?", None),
        ("warranty question: {part} problem on my {model}, what now", None),
        ("Does the Voltbird warranty cover the {part}? I ride a {model}.", None),
    ],
    "service_booking": [
        ("I want to book a service for my {model}. How do I do that?", "book"),
        ("Can I get an inspection appointment for my {model} next week?", "book"),
        ("how do i schedule a workshop visit for the {model}", "book"),
        ("When is the first inspection due for a new {model}?", "first"),
        ("My {model} is almost three months old. Do I need a first service?", "first"),
    ],
}

UNSEEN_TEMPLATES = {
    "battery": [("Quick one: the pack of my {model} gets weaker every week, advice pls", None),
                ("Is it bad to keep the {model} battery in a cold garage?", None)],
    "error_code": [("Screen says {code}, bike is dead weight now. What's going on?", None),
                   ("Good evening, my {model} flashes {code} at me. Ideas?", None)],
    "shipping": [("It's been ages. Has {order_id} even left your warehouse?", None),
                 ("Could you look up the parcel for {order_id}? Need to plan my week.", None)],
    "returns": [("Bought via {order_id} but we don't use it. What are the steps to give it back?", None),
                ("Not happy with my {model} ({order_id}), want my money back", None)],
    "warranty": [("My {model}'s {part} failed. Am I still under guarantee?", None),
                 ("{part} trouble on the {model} - will Voltbird pay for the repair?", None)],
    "service_booking": [("Our {model} needs a check-up, what's the process to get a slot?", "book"),
                        ("We just bought a {model}. After how long should it see a mechanic?", "first")],
}

OPENERS = ["", "", "Hi,", "Hello Voltbird team,", "hey there,", "Good morning,", "Dear support,"]
CLOSERS = ["", "", "Thanks!", "Cheers, {first}", "Regards, {first} {last}", "thx", "Best, {first}"]
WARRANTY_PARTS = {"battery": ("battery", "battery_months"), "motor": ("drive unit", "drive_unit_months"),
                  "frame": ("frame", "frame"), "display": ("display", "electronics")}


# ---------------------------------------------------------------- message text

def add_typo(text, rng):
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha() and w.islower()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def render_message(template, values, customer, rng):
    if rng.random() < 0.1:
        template = template.lower()  # casual tone; slot values keep their spelling
    text = template.format(**values)
    if rng.random() < 0.2:
        text = add_typo(text, rng)
    opener = rng.choice(OPENERS)
    closer = rng.choice(CLOSERS).format(first=customer["first_name"], last=customer["last_name"])
    return " ".join(part for part in (opener, text, closer) if part)


# ---------------------------------------------------------------- gold replies

def format_reply(first_name, ack, steps, refs):
    lines = [f"Hi {first_name},", ack]
    lines += [f"{i}. {s}" for i, s in enumerate(steps, 1)]
    lines += ["Ref: " + ", ".join(refs), SIGNOFF]
    return "\n".join(lines)


def reply_battery(v, ids):
    line = C.model_by_name(v["model"])["line"]
    info = C.LINES[line]
    steps = [f"Store the pack at about {info['storage_pct']}% charge when you pause riding.",
             f"Check the charge level every {info['check_weeks']} weeks and top it up.",
             "Charge indoors between 10 °C and 30 °C."]
    return (f"Thanks for your message about the battery of your {v['model']}.", steps,
            [ids[f"battery:{line}"], ids["charging"]])


def reply_error_code(v, ids):
    code = v["code"]
    group = next(g for g, grp in C.ERROR_GROUPS.items() if code in grp["codes"])
    meaning, steps = C.ERROR_GROUPS[group]["codes"][code]
    return (f"Thanks for reporting code {code}, which means {meaning}.", steps, [ids[f"trouble:{group}"]])


def reply_shipping(v, ids):
    s, oid = v["shipment"], v["order_id"]
    zone = C.SHIPPING_ZONES[C.zone_of(v["country"])]
    refs = [ids["shipping"]]
    if s["status"] == "processing":
        steps = ["Your order is being packed and has not left the warehouse yet.",
                 f"Delivery to {v['country']} takes {zone['days']} after dispatch.",
                 f"{s['carrier']} e-mails you a tracking link once the box ships."]
    elif s["status"] in ("shipped", "in_transit"):
        steps = [f"Your order is on its way with {s['carrier']}.",
                 f"The expected delivery date is {s['eta']}.",
                 "Use the tracking link in your shipping e-mail for live updates."]
    elif s["status"] == "delivered":
        steps = [f"Our records show delivery on {s['delivered_date']}.",
                 "Please check with neighbours or your building reception.",
                 "Reply to this e-mail if you still cannot find the box."]
    else:
        steps = ["Our records show this order went back to our returns centre in Leipzig.",
                 "Refunds reach your original payment method within 10 business days."]
        refs.append(ids["returns"])
    return f"Thanks for asking about order {oid}.", steps, refs


def reply_returns(v, ids):
    oid, s = v["order_id"], v["shipment"]
    window = C.RETURN_WINDOW_DAYS
    if v["days_since_delivery"] <= window:
        steps = [f"Order {oid} is still within our {window}-day return window.",
                 "Open Orders in your account and choose Return.",
                 "Pack the bike in its original box; we e-mail you a pickup label."]
        refs = [ids["returns"]]
    else:
        steps = [f"Order {oid} was delivered on {s['delivered_date']}, so the {window}-day return window has closed.",
                 "We can still help with a repair under warranty.",
                 "Reply with a short description of the problem."]
        refs = [ids["returns"], ids["warranty"]]
    return f"Thanks for letting us know you want to return order {oid}.", steps, refs


def warranty_period(part):
    label, key = WARRANTY_PARTS[part]
    value = C.WARRANTY[key]
    return label, (f"{value} months" if isinstance(value, int) else value)


def reply_warranty(v, ids):
    label, period = warranty_period(v["part"])
    steps = [f"The {label} is covered for {period} from the order date.",
             "Send a photo of the frame serial number and your invoice with the claim form in your account.",
             f"We answer every claim within {C.WARRANTY['claim_answer']}."]
    return f"Thanks for contacting us about the {label} of your {v['model']}.", steps, [ids["warranty"]]


def reply_service_booking(v, ids):
    ack = f"Thanks for wanting to book a service for your {v['model']}."
    if v["variant"] == "first":
        steps = ["The first inspection is due after 250 km or three months, whichever comes first.",
                 "Book a slot online, in the Voltbird Ride app or by phone.",
                 "Please book at least 3 working days ahead."]
        return ack, steps, [ids["inspection"], ids["booking"]]
    steps = ["Book a slot online, in the Voltbird Ride app or by phone.",
             "Please book at least 3 working days ahead.",
             "Bring the key, the charger and your order number."]
    return ack, steps, [ids["booking"]]


REPLIES = {"battery": reply_battery, "error_code": reply_error_code, "shipping": reply_shipping,
           "returns": reply_returns, "warranty": reply_warranty, "service_booking": reply_service_booking}


# ---------------------------------------------------------------- picking customers and orders

def reply_body(reply: str) -> str:
    """A reply without its greeting line, whitespace folded and lowercased: what must not repeat across splits."""
    return " ".join(" ".join(reply.split("\n")[1:]).split()).lower()


def allowed(category, v, split):
    """Test tickets take only their category's reserved values; train and dev never do."""
    for slot, reserved in TEST_ONLY.get(category, {}).items():
        if (v[slot] in reserved) != (split == "test"):
            return False
    return True


def load_customers(conn, first_names):
    rows = conn.execute("SELECT * FROM customers ORDER BY id").fetchall()
    return [dict(r) for r in rows if r["first_name"] in first_names]


def customer_orders(conn, customer_id):
    return [dict(r) for r in conn.execute(
        """SELECT o.id AS order_id, o.order_date, s.status, s.carrier, s.eta, s.delivered_date,
                  (SELECT p.model FROM order_items i JOIN products p ON p.sku = i.sku
                   WHERE i.order_id = o.id AND p.line != 'accessory' LIMIT 1) AS model
           FROM orders o JOIN shipments s ON s.order_id = o.id
           WHERE o.customer_id = ? ORDER BY o.id""", (customer_id,))]


def pick_values(category, customers, conn, rng, today, split="train"):
    """Choose a customer and the slot values (model, order, code, ...) for one ticket of this split."""
    from datetime import date
    for _ in range(500):
        cust = rng.choice(customers)
        orders = customer_orders(conn, cust["id"])
        if category == "returns":
            orders = [o for o in orders if o["status"] == "delivered"]
        if category in ("shipping", "returns") and not orders:
            continue
        order = rng.choice(orders) if orders else None
        model = order["model"] if order else rng.choice(C.MODELS)["model"]
        v = {"model": model, "code": rng.choice(sorted(C.all_error_codes())),
             "part": rng.choice(sorted(WARRANTY_PARTS)), "country": cust["country"]}
        if order:
            v.update(order_id=order["order_id"], shipment=order)
            if order["delivered_date"]:
                v["days_since_delivery"] = (date.fromisoformat(today) - date.fromisoformat(order["delivered_date"])).days
        if not allowed(category, v, split):
            continue
        return cust, v
    raise RuntimeError(f"no customer fits category {category}")


def make_ticket(ticket_id, category, template, variant, customers, conn, rng, today, ids, split="train"):
    cust, v = pick_values(category, customers, conn, rng, today, split)
    v["variant"] = variant
    uses = {k: "{" + k + "}" in template for k in ("order_id", "model", "code")}
    message = render_message(template, v, cust, rng)
    ack, steps, refs = REPLIES[category](v, ids)
    reply = format_reply(cust["first_name"], ack, steps, refs)
    assert is_compliant(reply, cust["first_name"]) and len(reply.split()) <= 70, reply
    return {"id": ticket_id, "first_name": cust["first_name"], "last_name": cust["last_name"],
            "message": message, "category": category,
            "fields": {"order_id": v.get("order_id") if uses["order_id"] else None,
                       "model": v["model"] if uses["model"] else None,
                       "error_code": v["code"] if uses["code"] else None},
            "reply": reply, "doc_ids": refs}


def build_tickets(conn, rng, ids, today, n_train=324, n_heldout=66):
    """Return (train, heldout). Held-out: new customers, dev and test each their own half of them; 40% use unseen
    templates; test tickets use their category's reserved values (`TEST_ONLY`)."""
    from . import split_of
    train_customers = load_customers(conn, set(C.FIRST_NAMES_TRAIN))
    held_customers = {"dev": load_customers(conn, set(C.FIRST_NAMES_HELDOUT[0::2])),
                      "test": load_customers(conn, set(C.FIRST_NAMES_HELDOUT[1::2]))}
    train = []
    for i in range(n_train):
        category = C.TICKET_CATEGORIES[i % len(C.TICKET_CATEGORIES)]
        template, variant = rng.choice(TRAIN_TEMPLATES[category])
        train.append(make_ticket(f"tk-train-{i + 1:04d}", category, template, variant,
                                 train_customers, conn, rng, today, ids))
    heldout = []
    for i in range(n_heldout):
        category = C.TICKET_CATEGORIES[i % len(C.TICKET_CATEGORIES)]
        unseen = i % 5 < 2
        pool = UNSEEN_TEMPLATES if unseen else TRAIN_TEMPLATES
        template, variant = rng.choice(pool[category])
        ticket_id = f"tk-held-{i + 1:04d}"
        split = split_of(ticket_id)
        ticket = make_ticket(ticket_id, category, template, variant, held_customers[split], conn, rng, today, ids, split)
        ticket["unseen_phrasing"] = unseen
        heldout.append(ticket)
    for t in train:
        t["unseen_phrasing"] = False
    return train, heldout
