"""Evaluation set of factual QA over the KB (qa.jsonl); the mixed routing set is built by `mixed`.

QA facts are declared next to the doc that states them (by doc key), so the builder can
turn keys into ids and check that each answer really appears in its cited doc.

Splits: a qa item is dev or test by `split_of` of its id. Facts that come in families (one question shape per
bike, line, error code or dealer) carry `test` wordings, written for test alone: a test item of such a family is
asked in a wording no dev item uses (`question_shape` masks the entity names; a test checks the shapes are
disjoint). A one-off fact's question has a shape of its own anyway.
"""
import re

from . import content as C
from . import docs as D


def money_aliases(value):
    v = str(value)
    aliases = [f"€{v}", f"{v} EUR", f"EUR {v}", v]
    if len(v) >= 4 and "." not in v:
        aliases.append(f"€{v[:-3]},{v[-3:]}")
    return aliases


def accessory_price(sku):
    """An accessory's list price as written in the docs ("129")."""
    return C.euros(next(a["price"] for a in C.ACCESSORIES if a["sku"] == sku))


def fact(questions, answer, aliases, key, tenant="public", after="same", test=None):
    """One QA fact. after: "same" (unchanged), None (removed) or (answer, aliases, key).
    test: the wordings a test item of this fact is asked in (families of facts only; see the module doc)."""
    return {"questions": questions, "answer": answer, "aliases": aliases, "key": key,
            "tenant": tenant, "after": after, "test": test}


def new_fact(questions, answer_after, aliases_after, key_after):
    """A fact that only exists after the week-2 update."""
    return fact(questions, None, [], None, after=(answer_after, aliases_after, key_after))


# ---------------------------------------------------------------- fact lists

def model_facts():
    facts = []
    for i, m in enumerate(C.MODELS):
        name, key, wh, eco = m["model"], f"manual:{m['sku']}", m["battery_wh"], m["range"]["eco"]
        facts.append(fact([f"What is the battery capacity of the {name}?",
                           f"How many watt-hours does the {name}'s pack store?"],
                          f"{wh} Wh", [f"{wh}Wh", f"{wh} watt-hours", str(wh)], key,
                          test=[f"Thinking of buying a {name}: how much energy fits in its battery?"]))
        facts.append(fact([f"How far does the {name} go in Eco mode?",
                           f"What's the typical range of a {name} on the lowest assist level?"],
                          f"{eco} km", [f"{eco}km", f"{eco} kilometres", str(eco)], key,
                          test=[f"On one charge with the gentlest assist, what distance can a {name} cover?"]))
        facts.append(fact([f"How long does it take to fully charge a {name} with the standard charger?",
                           f"With the charger in the box, how many hours until an empty {name} is full?"],
                          f"{m['charge_h']} hours", [f"{m['charge_h']} h", m["charge_h"]], key,
                          test=[f"My {name} is flat. Using the supplied charger, when will it be full again?"]))
        if i % 2 == 0:
            facts.append(fact([f"How much does the {name} weigh?"], f"{m['weight']} kg",
                              [f"{m['weight']}kg", m["weight"]], key,
                              test=[f"I have to carry my {name} up some stairs. How heavy is it?"]))
        else:
            facts.append(fact([f"What torque does the {name}'s motor deliver?"], f"{m['torque']} Nm",
                              [f"{m['torque']}Nm", str(m["torque"])], key,
                              test=[f"How strong is the {name}'s drive, in newton-metres?"]))
        if name != "Ridge T7":
            facts.append(fact([f"What is the list price of the {name}?", f"How much is a {name} in the online shop?"],
                              f"€{m['price']}", money_aliases(m["price"]), key,
                              test=[f"If I order a {name} straight from Voltbird, what do I pay?"]))
    t7, t7_before = D.week2_ridge_t7(), C.model_by_name("Ridge T7")["price"]
    facts.append(fact(["What is the list price of the Ridge T7?", "How much does a Ridge T7 cost online?"],
                      f"€{t7_before}", money_aliases(t7_before), f"manual:{t7['sku']}",
                      after=(f"€{t7['price']}", money_aliases(t7["price"]), f"manual:{t7['sku']}"),
                      test=["If I order a Ridge T7 straight from Voltbird, what do I pay?"]))
    return facts


def battery_facts():
    facts = []
    for line, info in C.LINES.items():
        name, key = info["name"], f"battery:{line}"
        facts.append(fact([f"At what charge level should a {name} battery be stored when not in use?"],
                          f"{info['storage_pct']}%", [f"{info['storage_pct']} percent", str(info["storage_pct"])], key,
                          test=[f"I'm putting my {name} away for the winter. How full should its pack be?"]))
        facts.append(fact([f"How often should I check the charge of a stored {name} battery?"],
                          f"every {info['check_weeks']} weeks", [f"{info['check_weeks']} weeks"], key,
                          test=[f"While a {name} pack sits unused, what is the interval between charge checks?"]))
        facts.append(fact([f"How many full charge cycles are the {name} cells rated for?"],
                          f"{info['cycles']} full charge cycles",
                          [info["cycles"], info["cycles"].replace(",", "") + " cycles"], key,
                          test=[f"For how many complete recharges are {name} batteries designed?"]))
    facts.append(fact(["In what temperature range should I charge the battery?"], "10 °C and 30 °C",
                      ["10-30 °C", "10 to 30 °C", "10 °C to 30 °C"], "charging"))
    charger = accessory_price("VBA-FC4")
    facts.append(fact(["How much is the Fast Charger 4A?"], f"€{charger}", money_aliases(charger), "charging"))
    return facts


def error_facts():
    facts = []
    phrasings = ["What does error code {c} mean?", "My display shows {c}. What is the problem?",
                 "Which fault is reported by {c}?"]
    test = ["{c} just popped up on my bike. What is wrong with it?", "Decode {c} for me, please: which fault is it?"]
    for i, (group, g) in enumerate(sorted(C.ERROR_GROUPS.items())):
        for j, (code, (meaning, _)) in enumerate(sorted(g["codes"].items())):
            q = phrasings[(i + j) % len(phrasings)].format(c=code)
            facts.append(fact([q], meaning, [], f"trouble:{group}", test=[t.format(c=code) for t in test]))
    facts += [
        fact(["How far from the speed sensor should the spoke magnet sit?"], "5 to 15 mm",
             ["5-15 mm", "5 mm to 15 mm"], "trouble:drive"),
        fact(["How long should an overheated battery cool down before I continue?"], "30 minutes",
             ["30 min", "half an hour"], "trouble:battery"),
        fact(["How long do I hold the power button to restart the system after a motor overcurrent?"],
             "10 seconds", ["10 s", "ten seconds"], "trouble:drive"),
        fact(["For E-108, how long should the charger stay unplugged?"], "60 seconds",
             ["one minute", "1 minute", "60 s"], "trouble:battery"),
    ]
    return facts


def policy_facts():
    w, w2 = C.WARRANTY, D.week2_warranty()
    zones, zones2 = C.SHIPPING_ZONES, D.week2_zones()
    accessory_shipping = C.euros(C.ACCESSORY_SHIPPING_EUR)
    return [
        fact(["How many days do I have to return a bike?", "What is the return window after delivery?"],
             f"{C.RETURN_WINDOW_DAYS} days", [str(C.RETURN_WINDOW_DAYS), "four weeks"], "returns"),
        fact(["What is the maximum odometer reading for a returned bike?"], "50 km", ["50km"], "returns"),
        fact(["What does a return pickup cost in zone C?"], "€25", money_aliases(25), "returns"),
        fact(["How long is the warranty on the drive unit?", "For how many months is the motor covered?"],
             f"{w['drive_unit_months']} months", ["2.5 years", str(w["drive_unit_months"])], "warranty"),
        fact(["How long is the frame warranty?"], w["frame"], ["72 months", "six years"], "warranty"),
        fact(["What warranty applies to the display and wiring?"], w["electronics"], ["1.5 years"], "warranty"),
        fact(["How quickly does Voltbird answer a warranty claim?"], w["claim_answer"],
             ["four working days"], "warranty"),
        fact(["How long is the battery warranty?", "For how long is a Voltbird battery covered?"],
             f"{w['battery_months']} months", ["2 years", "two years", str(w["battery_months"])], "warranty",
             after=(f"{w2['battery_months']} months", ["3 years", "three years", str(w2["battery_months"])],
                    "warranty")),
        fact(["How long does delivery to Germany take?"], zones["A"]["days"],
             ["2 to 3 business days", "2-3 days"], "shipping"),
        fact(["How long does delivery to France take?", "How many business days does shipping to Austria need?"],
             zones["B"]["days"], ["4 to 6 business days", "4-6 days"], "shipping",
             after=(zones2["B"]["days"], ["3 to 5 business days", "3-5 days"], "shipping")),
        fact(["What is the delivery time to Spain?"], zones["C"]["days"], ["6 to 9 business days"], "shipping"),
        fact(["What does shipping a bike to the Netherlands cost?"], f"€{zones['A']['cost']}",
             money_aliases(zones["A"]["cost"]), "shipping"),
        fact(["How much is shipping for a bike to Poland?"], f"€{zones['C']['cost']}",
             money_aliases(zones["C"]["cost"]), "shipping"),
        fact(["What does an accessory-only order cost to ship?"], f"€{accessory_shipping}",
             [f"{accessory_shipping} EUR", accessory_shipping, "€" + accessory_shipping.replace(".", ",")],
             "shipping"),
        fact(["Until what time must an order be paid to leave the next business day?"], "14:00",
             ["2 pm", "2pm"], "shipping"),
        fact(["How long is a bike reserved when paying by bank transfer?"], "5 banking days",
             ["five banking days"], "payment"),
        fact(["What is the interest rate for 36-month financing?"], "3.9% APR", ["3.9%", "3.9"], "payment"),
        fact(["What is the smallest amount you can finance?"], "€800", money_aliases(800), "payment"),
        fact(["How much is the trade-in bonus?", "What bonus do I get for trading in my old e-bike?"],
             C.TRADE_IN_BONUS, money_aliases(250), "trade_in", after=None),
    ]


def service_facts():
    basic, plus, fleet = (C.SERVICE_PLANS[f"Care {name}"]["price"] for name in ("Basic", "Plus", "Fleet"))
    plus2 = D.week2_plans()["Care Plus"]["price"]
    return [
        fact(["How much does the Care Basic plan cost per year?"], f"€{basic}", money_aliases(basic),
             "service_plans"),
        fact(["What is the yearly price of Care Plus?", "How much is the Care Plus service plan?"],
             f"€{plus}", money_aliases(plus), "service_plans",
             after=(f"€{plus2}", money_aliases(plus2), "service_plans")),
        fact(["What does the Care Fleet plan cost?"], f"€{fleet}", money_aliases(fleet), "service_plans"),
        fact(["When is the first inspection due?"], "250 km or three months",
             ["250 km", "three months", "3 months"], "inspection"),
        fact(["At what lining thickness should brake pads be replaced?"], "1.5 mm", ["1.5mm"], "inspection"),
        fact(["What tyre pressure is recommended for Ridge bikes?"], C.LINES["ridge"]["tyre_bar"],
             [C.LINES["ridge"]["tyre_bar"].removesuffix(" bar")], "inspection"),
        fact(["What tyre pressure should a Haul bike run?"], C.LINES["haul"]["tyre_bar"],
             [C.LINES["haul"]["tyre_bar"].removesuffix(" bar")], "inspection"),
        fact(["How far ahead should I book a workshop slot?"], "3 working days", ["three working days"], "booking"),
        fact(["What is the call-out fee for the mobile service van?"], "€35", money_aliases(35), "booking"),
        fact(["What does a late cancellation of a service slot cost?"], "€20", money_aliases(20), "booking"),
    ]


def firmware_facts():
    latest, new = C.FIRMWARE[-1]["version"], C.NEW_FIRMWARE["version"]
    return [
        fact(["Which firmware version added hill-hold assist?"], "firmware 3.3", ["3.3", "v3.3"], "firmware:3.3"),
        fact(["Which firmware introduced the battery health readout in the app?"], "firmware 3.1",
             ["3.1", "v3.1"], "firmware:3.1"),
        fact(["In which release did the remote get a push-to-pair button?"], "firmware 3.2",
             ["3.2", "v3.2"], "firmware:3.2"),
        fact(["How loud is the theft alarm buzzer?"], "90 dB", ["90 decibels", "90"], "firmware:3.4"),
        fact(["What is the latest firmware version?", "Which firmware release is the newest?"],
             f"firmware {latest}", [latest, f"v{latest}"], f"firmware:{latest}",
             after=(f"firmware {new}", [new, f"v{new}"], f"firmware:{new}")),
        new_fact(["Which firmware adds support for the cargo box latch sensor?"],
                 f"firmware {new}", [new, f"v{new}"], f"firmware:{new}"),
    ]


def faq_facts():
    spare = accessory_price("VBA-BAT5")
    return [
        fact(["Up to what speed does the motor assist?"], "25 km/h", ["25 kmh", "25"], "faq_riding"),
        fact(["What minimum rider age does Voltbird recommend?"], "14 years", ["14"], "faq_riding"),
        fact(["What water protection rating do the drive unit and battery have?"], "IPX5", ["IP X5"], "faq_weather"),
        fact(["What is the maximum total weight for a Metro bike?"], C.LINES["metro"]["max_weight"],
             ["130"], "faq_load"),
        fact(["How much may a Haul cargo bike carry in total, rider included?"], C.LINES["haul"]["max_weight"],
             ["220"], "faq_load"),
        fact(["How heavy may a trailer load be behind a Ridge bike?"], "40 kg", ["40"], "faq_load"),
        fact(["How long is the pairing code shown on the display?"], "6-digit", ["6 digits", "six digits"], "faq_app"),
        fact(["How many phones can be paired with one bike?"], "four phones", ["4 phones", "4"], "faq_app"),
        fact(["What does the GPS module cost per year?"], "€49 per year", ["€49", "49 EUR", "49"], "faq_app"),
        fact(["How much is a replacement key pair?"], "€19", money_aliases(19), "faq_keys"),
        fact(["What is the price of the Spare Battery 522?"], f"€{spare}", money_aliases(spare), "faq_keys"),
        fact(["How long are Voltbird gift cards valid?"], "3 years", ["three years"], "faq_buying"),
        fact(["What load is the rear rack rated for?"], "27 kg", ["27"], "acc_racks"),
        fact(["How many litres does the pannier bag hold?"], "22 litres", ["22 l", "22"], "acc_racks"),
        fact(["How long is a bike kept ready for click and collect?"], "10 days", ["ten days"], "warehouses"),
        fact(["How often should the chain be lubed?"], "every 300 km", ["300 km"], "cleaning"),
    ]


def tenant_facts():
    facts = []
    for i, (dealer_id, d) in enumerate(C.DEALERS.items()):
        name = d["name"]
        m = C.MODELS[(2 * i + 1) % len(C.MODELS)]
        price = C.dealer_price(dealer_id, m)
        key = f"dealer:{dealer_id}:"
        facts += [
            fact([f"What hourly labour rate does {name} charge?"], f"€{d['labour']}",
                 money_aliases(d["labour"]), key + "workshop", dealer_id,
                 test=[f"If {name}'s mechanics work on my bike for an hour, what is the bill?"]),
            fact([f"How much deposit does {name} ask for a full-day test ride?"], f"€{d['deposit']}",
                 money_aliases(d["deposit"]), key + "policy", dealer_id,
                 test=[f"I'd like to borrow a bike from {name} for a whole day's trial. What must I leave as security?"]),
            fact([f"On which days is {name} open?"], d["open_days"], [], key + "policy", dealer_id,
                 test=[f"When in the week can I walk into {name}?"]),
            fact([f"What loyalty discount does {name} give its club members?"], f"{d['loyalty']} discount",
                 [d["loyalty"], d["loyalty"].replace("%", " percent")], key + "policy", dealer_id,
                 test=[f"Members of the {name} club save how much?"]),
            fact([f"What does a {m['model']} cost at {name}?"], f"€{price}", money_aliases(price),
                 key + "prices", dealer_id, test=[f"Buying a {m['model']} in the {name} store: what's the price there?"]),
        ]
    return facts


def week2_new_facts():
    code, (meaning, _) = next(iter(C.NEW_ERROR_CODE.items()))
    r = C.RECALL
    return [
        new_fact([f"What does error code {code} mean?"], meaning, [], "trouble:cargo"),
        new_fact(["Which part of the Haul C2 is being recalled?"], r["part"], ["kickstand bolt"], "recall"),
        new_fact(["Which Haul C2 serial numbers are affected by the recall?"], r["serials"],
                 ["HC2-2405 - HC2-2411"], "recall"),
        new_fact(["By when should the Haul C2 recall repair be done?"], r["deadline"],
                 ["30 June 2026", "June 30, 2026"], "recall"),
    ]


def all_facts():
    return (model_facts() + battery_facts() + error_facts() + policy_facts() + service_facts()
            + firmware_facts() + faq_facts() + tenant_facts() + week2_new_facts())


# ---------------------------------------------------------------- question shapes

def question_shape(question: str) -> str:
    """A question with its entities masked (bike, line, dealer and plan names, error codes, numbers), lowercased:
    two questions of the same shape differ only in the entity they ask about."""
    names = [m["model"] for m in C.MODELS] + [info["name"] for info in C.LINES.values()]
    names += [d["name"] for d in C.DEALERS.values()]
    q = question
    for name in sorted(names, key=len, reverse=True):
        q = q.replace(name, "<name>")
    q = re.sub(r"E-\d{3}", "<code>", q)
    q = re.sub(r"\d+(?:[.,]\d+)?", "<n>", q)
    return " ".join(q.lower().split())


# ---------------------------------------------------------------- building qa.jsonl

def build_qa(ids_before, ids_after, rng):
    """ids_before / ids_after map doc keys to ids in the week-1 / week-2 corpus."""
    from . import split_of
    items = []
    for n, f in enumerate(all_facts(), 1):
        question = rng.choice(f["questions"])  # drawn for every item, so the rng (and every dev item) stays as it was
        if f["test"] and split_of(f"qa-{n:03d}") == "test":
            question = f["test"][n % len(f["test"])]
        if f["after"] == "same":
            after = (f["answer"], f["aliases"], f["key"])
        elif f["after"] is None:
            after = (None, [], None)
        else:
            after = f["after"]
        answer_after, aliases_after, key_after = after
        items.append({
            "id": f"qa-{n:03d}", "question": question,
            "answer": f["answer"], "aliases": f["aliases"],
            "doc_ids": [ids_before[f["key"]]] if f["key"] else [],
            "tenant": f["tenant"], "changes_after_update": f["after"] != "same",
            "answer_after": answer_after, "aliases_after": aliases_after,
            "doc_ids_after": [ids_after[key_after]] if key_after else [],
        })
    return items
