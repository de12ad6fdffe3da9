"""Render the Voltbird knowledge base (public, tenant and week-2 update docs) as markdown.

The prose lives in kb_source/ as markdown files: a front matter block and a body with
str.format placeholders that this module fills from the tables in content.py.
  kb_source/<name>.md   one template per doc kind (title, kind, product_line in front matter)
  kb_source/static/     fixed FAQ and accessory docs (key, title, ...), in file name order
  kb_source/forum/      forum posts, named by doc id (title, date, hostile); plain text, no placeholders

Each rendered document is a dict: {"key", "meta" (front matter, ordered), "body"}.
`key` is an internal handle (e.g. "manual:VBR-T7") used by the eval builders to cite ids.
"""
import copy
import re
from functools import cache
from pathlib import Path

from . import content as C

SOURCE_DIR = Path(__file__).with_name("kb_source")
_BLOCK_START = re.compile(r"^(\||- |#|\d+\. )")


def unwrap(body):
    """Join wrapped lines of plain paragraphs so every fact sits on one line."""
    out = []
    for line in body.strip().split("\n"):
        joinable = line and out and out[-1] and not _BLOCK_START.match(line) \
            and not _BLOCK_START.match(out[-1])
        if joinable:
            out[-1] += " " + line.strip()
        else:
            out.append(line.rstrip())
    return "\n".join(out)


def make_doc(key, doc_id, title, kind, line, date, body, tenant="public", **extra):
    title = title.replace(": ", " - ")  # keep front matter parseable as YAML too
    meta = {"id": doc_id, "title": title, "kind": kind, "product_line": line,
            "tenant": tenant, "date": date}
    meta.update(extra)
    return {"key": key, "meta": meta, "body": unwrap(body) + "\n"}


def to_markdown(doc):
    front = "\n".join(f"{k}: {v}" for k, v in doc["meta"].items())
    return f"---\n{front}\n---\n\n{doc['body']}"


# ---------------------------------------------------------------- templates

@cache
def read_template(path):
    """(front matter dict, body) of a kb_source file; path is relative to kb_source/."""
    _, front, body = (SOURCE_DIR / path).read_text(encoding="utf-8").split("---\n", 2)
    meta = dict(line.split(": ", 1) for line in front.strip().splitlines())
    return meta, body


def join_words(words, conjunction):
    return ", ".join(words[:-1]) + f" {conjunction} {words[-1]}"


def shared_values():
    """Placeholders every template may use."""
    return {"lines": C.LINES, "warehouses_and": join_words(C.WAREHOUSES, "and"),
            "warehouses_or": join_words(C.WAREHOUSES, "or"),
            "acc": {a["sku"]: dict(a, euros=C.euros(a["price"])) for a in C.ACCESSORIES},
            "accessory_shipping": C.euros(C.ACCESSORY_SHIPPING_EUR)}


def render(template, key, doc_id, date, values=None, tenant="public", **extra):
    """A doc from kb_source/<template>.md with its title and body filled from values."""
    meta, body = read_template(f"{template}.md")
    values = {**shared_values(), **(values or {})}
    return make_doc(key, doc_id, meta["title"].format(**values), meta["kind"],
                    meta["product_line"].format(**values), date, body.format(**values), tenant, **extra)


def bullets(items):
    return "\n".join(f"- {item}" for item in items)


def code_sections(codes):
    """One '## code: meaning' section with numbered steps per error code."""
    parts = []
    for code, (meaning, steps) in codes.items():
        parts.append(f"## {code}: {meaning}\n")
        parts.append(f"When the display shows {code}, the system reports: {meaning}. Try this:\n")
        parts.extend(f"{i}. {s}" for i, s in enumerate(steps, 1))
        parts.append("")
    return "\n".join(parts)


# ---------------------------------------------------------------- docs built from content tables

def manual_doc(m, doc_id, date, note=""):
    return render("manual", f"manual:{m['sku']}", doc_id, date, {"m": m, "note": note})


def battery_care_doc(line, doc_id, date):
    models = " and ".join(m["model"] for m in C.MODELS if m["line"] == line)
    return render("battery_care", f"battery:{line}", doc_id, date,
                  {"line": line, "info": C.LINES[line], "models": models})


def troubleshooting_doc(group, doc_id, date):
    g = C.ERROR_GROUPS[group]
    return render("troubleshooting", f"trouble:{group}", doc_id, date,
                  {"title": g["title"], "codes": code_sections(g["codes"])})


def new_code_doc(doc_id):
    return render("cargo_code", "trouble:cargo", doc_id, C.UPDATE_DATE,
                  {"codes": code_sections(C.NEW_ERROR_CODE)}, action="add")


def warranty_doc(doc_id, date, w=None, note="", **extra):
    return render("warranty", "warranty", doc_id, date, {"w": w or C.WARRANTY, "note": note}, **extra)


def shipping_doc(doc_id, date, zones=None, note="", **extra):
    rows = "\n".join(f"| {z} | {', '.join(v['countries'])} | {v['days']} | €{v['cost']} | {v['carrier']} |"
                     for z, v in (zones or C.SHIPPING_ZONES).items())
    return render("shipping", "shipping", doc_id, date, {"rows": rows, "note": note}, **extra)


def service_plans_doc(doc_id, date, plans=None, note="", **extra):
    rows = "\n".join(f"| {name} | €{p['price']} | {p['included']} |"
                     for name, p in (plans or C.SERVICE_PLANS).items())
    return render("service_plans", "service_plans", doc_id, date, {"rows": rows, "note": note}, **extra)


def inspection_doc(doc_id, date):
    rows = "\n".join(f"| {v['name']} | {v['tyre_bar']} |" for v in C.LINES.values())
    return render("inspection", "inspection", doc_id, date, {"rows": rows})


def firmware_doc(fw, doc_id, **extra):
    return render("firmware", f"firmware:{fw['version']}", doc_id, fw["date"],
                  {"fw": fw, "added": bullets(fw["added"]), "fixed": bullets(fw["fixed"])}, **extra)


def static_docs(folder):
    """(front matter, body template) of every file in kb_source/<folder>/, in file name order."""
    return [(path.stem, *read_template(f"{folder}/{path.name}"))
            for path in sorted((SOURCE_DIR / folder).glob("*.md"))]


# ---------------------------------------------------------------- assembling the KB

def public_docs():
    """All week-1 public docs, in a fixed order with fixed ids."""
    docs = []

    def nid():
        return f"kb-{len(docs) + 1:03d}"

    dates = iter([f"2025-{m:02d}-{d:02d}" for m in range(6, 13) for d in (4, 19)] +
                 [f"2026-{m:02d}-{d:02d}" for m in (1, 2) for d in (7, 14, 22, 27)])
    for m in C.MODELS:
        docs.append(manual_doc(m, nid(), next(dates)))
    for line in C.LINES:
        docs.append(battery_care_doc(line, nid(), next(dates)))
    docs.append(render("charging", "charging", nid(), next(dates)))
    for group in C.ERROR_GROUPS:
        docs.append(troubleshooting_doc(group, nid(), next(dates)))
    docs.append(warranty_doc(nid(), next(dates)))
    docs.append(render("returns", "returns", nid(), next(dates), {"return_days": C.RETURN_WINDOW_DAYS}))
    docs.append(shipping_doc(nid(), next(dates)))
    docs.append(render("payment", "payment", nid(), next(dates)))
    docs.append(service_plans_doc(nid(), next(dates)))
    docs.append(inspection_doc(nid(), next(dates)))
    docs.append(render("booking", "booking", nid(), next(dates)))
    for _, meta, body in static_docs("static"):
        docs.append(make_doc(meta["key"], nid(), meta["title"], meta["kind"], meta["product_line"],
                             next(dates, "2026-02-25"), body.format(**shared_values())))
    for fw in C.FIRMWARE:
        docs.append(firmware_doc(fw, nid()))
    docs.append(render("trade_in", "trade_in", nid(), "2026-02-26", {"bonus": C.TRADE_IN_BONUS}))
    for doc_id, meta, body in static_docs("forum"):
        extra = {"hostile": meta["hostile"]} if "hostile" in meta else {}
        docs.append(make_doc(f"forum:{doc_id}", doc_id, meta["title"], "forum", "all", meta["date"], body, **extra))
    return docs


def key_to_id(docs):
    return {d["key"]: d["meta"]["id"] for d in docs}


def tenant_docs():
    """Each dealer's store policy, price list and workshop menu (ids <dealer>-001..003)."""
    docs = []
    for dealer_id, d in C.DEALERS.items():
        rows = "\n".join(f"| {m['model']} | €{C.dealer_price(dealer_id, m)} |" for m in C.MODELS)
        for n, (name, date) in enumerate([("policy", "2026-01-12"), ("prices", "2026-02-02"),
                                          ("workshop", "2026-02-09")], 1):
            docs.append(render(f"dealer_{name}", f"dealer:{dealer_id}:{name}", f"{dealer_id}-{n:03d}", date,
                               {"d": d, "rows": rows}, tenant=dealer_id))
    return docs


# ---------------------------------------------------------------- week-2 updates

def week2_warranty():
    return dict(C.WARRANTY, battery_months=36)


def week2_zones():
    zones = copy.deepcopy(C.SHIPPING_ZONES)
    zones["B"]["days"] = "3-5 business days"
    return zones


def week2_plans():
    plans = copy.deepcopy(C.SERVICE_PLANS)
    plans["Care Plus"]["price"] = 169
    return plans


def week2_ridge_t7():
    return dict(C.model_by_name("Ridge T7"), price=3299)


def update_docs(ids):
    """Week-2 update docs. `ids` maps doc keys to week-1 ids. Returns (filename, doc) pairs."""
    d = C.UPDATE_DATE
    t7 = week2_ridge_t7()
    t7_id = ids[f"manual:{t7['sku']}"]
    replaced = [
        warranty_doc(ids["warranty"], d, week2_warranty(),
                     "Battery coverage was extended on 9 March 2026.",
                     action="replace", target=ids["warranty"]),
        shipping_doc(ids["shipping"], d, week2_zones(),
                     "A new carrier hub shortened deliveries to zone B.",
                     action="replace", target=ids["shipping"]),
        service_plans_doc(ids["service_plans"], d, week2_plans(),
                          "Plan prices were revised in March 2026.",
                          action="replace", target=ids["service_plans"]),
        manual_doc(t7, t7_id, d, "The list price was lowered in March 2026."),
    ]
    replaced[-1]["meta"].update(action="replace", target=t7_id)
    n = max(int(i[3:]) for i in ids.values() if i[3:].isdigit())
    added = [new_code_doc(f"kb-{n + 1:03d}"),
             render("recall", "recall", f"kb-{n + 2:03d}", d, {"r": C.RECALL}, action="add"),
             firmware_doc(C.NEW_FIRMWARE, f"kb-{n + 3:03d}", action="add")]
    target = ids["trade_in"]
    removed = [render("trade_in_withdrawn", "remove:trade_in", target, d, action="remove", target=target)]
    docs = replaced + added + removed
    return [(f"w2-{i:02d}-{doc['meta']['action']}-{doc['meta']['id']}.md", doc)
            for i, doc in enumerate(docs, 1)]
