"""Content tables for the fictional Voltbird e-bike company.

Everything here is invented. Other modules render these tables into markdown
documents, a SQLite database, support tickets and evaluation sets.
"""

TODAY = "2026-03-02"        # the fixed "today" of the course world at build time
UPDATE_DATE = "2026-03-09"  # date of the "week 2" knowledge-base update
HISTORY_DAYS = 120          # orders are simulated over this many days before TODAY

WAREHOUSES = ["Leipzig", "Rotterdam", "Lyon"]

# Bikes. Ranges in km per assist mode, charge time in hours with the standard 3 A charger.
MODELS = [
    {"sku": "VBM-S2", "model": "Metro S2", "line": "metro", "battery_wh": 418,
     "range": {"eco": 96, "tour": 71, "boost": 44}, "charge_h": "4.5", "motor": "Pulse 50",
     "torque": 50, "weight": "21.4", "price": 2149,
     "intro": "The Metro S2 is our light city bike for short commutes and shopping trips."},
    {"sku": "VBM-S3", "model": "Metro S3", "line": "metro", "battery_wh": 522,
     "range": {"eco": 118, "tour": 87, "boost": 53}, "charge_h": "5.2", "motor": "Pulse 60",
     "torque": 60, "weight": "22.9", "price": 2599,
     "intro": "The Metro S3 adds a bigger pack and a stronger motor to the Metro frame."},
    {"sku": "VBR-T5", "model": "Ridge T5", "line": "ridge", "battery_wh": 612,
     "range": {"eco": 131, "tour": 98, "boost": 61}, "charge_h": "5.8", "motor": "Summit 75",
     "torque": 75, "weight": "24.6", "price": 2949,
     "intro": "The Ridge T5 is a trekking bike for gravel paths, tours and hilly commutes."},
    {"sku": "VBR-T7", "model": "Ridge T7", "line": "ridge", "battery_wh": 736,
     "range": {"eco": 152, "tour": 112, "boost": 69}, "charge_h": "6.4", "motor": "Summit 85",
     "torque": 85, "weight": "25.8", "price": 3499,
     "intro": "The Ridge T7 is the long-distance tourer of the Ridge family."},
    {"sku": "VBH-C1", "model": "Haul C1", "line": "haul", "battery_wh": 648,
     "range": {"eco": 104, "tour": 76, "boost": 47}, "charge_h": "6.9", "motor": "Torq 80",
     "torque": 80, "weight": "36.2", "price": 4199,
     "intro": "The Haul C1 is a compact longtail cargo bike for kids and groceries."},
    {"sku": "VBH-C2", "model": "Haul C2", "line": "haul", "battery_wh": 1090,
     "range": {"eco": 167, "tour": 124, "boost": 78}, "charge_h": "7.6", "motor": "Torq 90",
     "torque": 90, "weight": "39.5", "price": 5349,
     "intro": "The Haul C2 is a front-box cargo bike with two batteries for heavy daily loads."},
]

ACCESSORIES = [
    {"sku": "VBA-FC4", "model": "Fast Charger 4A", "price": 129.00},
    {"sku": "VBA-LOCK", "model": "Frame Lock", "price": 49.00},
    {"sku": "VBA-RACK", "model": "Rear Rack", "price": 79.90},
    {"sku": "VBA-BAG", "model": "Pannier Bag", "price": 64.90},
    {"sku": "VBA-SEAT", "model": "Child Seat", "price": 189.00},
    {"sku": "VBA-MIR", "model": "Bar-end Mirror", "price": 24.90},
    {"sku": "VBA-HLM", "model": "Commuter Helmet", "price": 89.00},
    {"sku": "VBA-BAT5", "model": "Spare Battery 522", "price": 749.00},
]

LINES = {
    "metro": {"name": "Metro", "storage_pct": 60, "check_weeks": 6, "cycles": "800",
              "max_weight": "130 kg", "tyre_bar": "3.5 bar"},
    "ridge": {"name": "Ridge", "storage_pct": 55, "check_weeks": 8, "cycles": "900",
              "max_weight": "140 kg", "tyre_bar": "2.8 bar"},
    "haul": {"name": "Haul", "storage_pct": 65, "check_weeks": 4, "cycles": "1,100",
             "max_weight": "220 kg", "tyre_bar": "3.2 bar"},
}

# Error codes grouped by the troubleshooting document they live in.
ERROR_GROUPS = {
    "battery": {
        "title": "Troubleshooting: battery and charging codes",
        "codes": {
            "E-101": ("battery cell imbalance", [
                "Charge the battery to 100% and leave the charger connected for two more hours.",
                "Ride in Eco until the pack drops below 20%, then charge it fully again.",
                "Book a battery diagnosis if the code comes back."]),
            "E-104": ("battery over-temperature", [
                "Stop riding and let the battery cool in the shade for 30 minutes.",
                "Do not charge the pack until it feels cool to the touch.",
                "Contact support if the code appears on cool days."]),
            "E-108": ("charger handshake failed", [
                "Unplug the charger from the wall and from the bike for 60 seconds.",
                "Clean the charging port with a dry brush.",
                "Try a different wall socket before ordering a new charger."]),
            "E-115": ("battery connector contact loss", [
                "Remove the battery and check the contacts for dirt or bent pins.",
                "Reinsert the pack until the lock clicks and turn the key back.",
                "Ask a dealer to replace the battery rail if the code stays."]),
        },
    },
    "drive": {
        "title": "Troubleshooting: motor and sensor codes",
        "codes": {
            "E-203": ("motor overcurrent", [
                "Switch to a lower assist mode and an easier gear on steep climbs.",
                "Restart the system by holding the power button for 10 seconds.",
                "Book a drive unit check if it repeats on flat ground."]),
            "E-217": ("speed sensor signal missing", [
                "Check that the spoke magnet sits 5 to 15 mm from the sensor.",
                "Clean the sensor and the magnet with a dry cloth.",
                "Inspect the sensor cable and reconnect its plug."]),
            "E-222": ("torque sensor out of range", [
                "Switch the bike off and take your feet off the pedals.",
                "Switch it on again without pressure on the pedals so the sensor recalibrates.",
                "Have a dealer run the calibration tool if the code remains."]),
            "E-230": ("drive unit firmware mismatch", [
                "Open the Voltbird Ride app and install the newest firmware.",
                "Keep the bike switched on and close to your phone until the update ends.",
                "Visit a dealer if the update fails twice."]),
        },
    },
    "display": {
        "title": "Troubleshooting: display and remote codes",
        "codes": {
            "E-305": ("display communication lost", [
                "Take the display off its mount and clean the contacts.",
                "Refit the display until it clicks into place.",
                "Check the display cable at the handlebar for kinks."]),
            "E-311": ("remote button stuck", [
                "Press each button on the remote several times.",
                "Clean around the buttons with a damp cloth.",
                "Replace the remote if a button stays pressed."]),
            "E-318": ("walk assist blocked", [
                "Release the walk assist button and stop pedalling.",
                "Wait until the bike rolls slower than 6 km/h before pressing walk assist again.",
                "Update the firmware if the code keeps appearing."]),
        },
    },
    "lights": {
        "title": "Troubleshooting: brake sensor and light codes",
        "codes": {
            "E-502": ("brake lever sensor open", [
                "Check that both brake levers spring back fully.",
                "Reconnect the small plug under each lever.",
                "Ride carefully to a dealer, because the motor stays off for safety."]),
            "E-507": ("front light short circuit", [
                "Switch the bike off.",
                "Disconnect the front light and look for a pinched cable.",
                "Replace the lamp if the code returns with a new cable."]),
            "E-511": ("rear light not detected", [
                "Check the rear light plug under the rack.",
                "Make sure the lamp is the Voltbird part for your model.",
                "Restart the system with the power button."]),
        },
    },
}

# Added in week 2 (cargo line only).
NEW_ERROR_CODE = {"E-412": ("cargo box latch sensor open", [
    "Close the cargo box lid firmly until both latches click.",
    "Wipe the latch sensor on the front edge of the box.",
    "Update the bike in the Voltbird Ride app if assist stays off."])}

WARRANTY = {"frame": "6 years", "drive_unit_months": 30, "battery_months": 24,
            "electronics": "18 months", "claim_answer": "4 working days"}
RETURN_WINDOW_DAYS = 28

SHIPPING_ZONES = {
    "A": {"countries": ["Germany", "Netherlands", "Belgium", "Luxembourg"],
          "days": "2-3 business days", "cost": 39, "carrier": "Rapidel"},
    "B": {"countries": ["France", "Austria", "Denmark"],
          "days": "4-6 business days", "cost": 59, "carrier": "Trakko"},
    "C": {"countries": ["Italy", "Spain", "Poland", "Sweden"],
          "days": "6-9 business days", "cost": 89, "carrier": "NordCargo"},
}
ACCESSORY_SHIPPING_EUR = 6.90  # flat shipping for orders without a bike, in every zone
TRANSIT_DAYS = {"A": (2, 3), "B": (4, 6), "C": (6, 9)}  # simulated calendar days

SERVICE_PLANS = {
    "Care Basic": {"price": 79, "included": "one yearly inspection"},
    "Care Plus": {"price": 149, "included": "two inspections, brake pads and 12% off parts"},
    "Care Fleet": {"price": 239, "included": "three inspections and a loan bike during repairs"},
}

FIRMWARE = [
    {"version": "3.1", "date": "2025-09-15",
     "added": ["a battery health readout in the Voltbird Ride app", "a trip counter that resets itself at midnight"],
     "fixed": ["false E-305 alarms after cold starts", "a display freeze when switching units"]},
    {"version": "3.2", "date": "2025-11-10",
     "added": ["a softer start in Tour mode", "a push-to-pair button for the remote"],
     "fixed": ["an E-230 loop after interrupted updates", "wrong range estimates below 15%"]},
    {"version": "3.3", "date": "2026-01-20",
     "added": ["hill-hold assist for the Haul line", "an automatic light sensor"],
     "fixed": ["E-511 detection with the new rear lamp", "a slow wake-up of the display"]},
    {"version": "3.4", "date": "2026-02-16",
     "added": ["a theft alarm with a 90 dB buzzer", "a range estimator based on your last 30 km of riding"],
     "fixed": ["false E-222 readings at low temperatures", "Bluetooth drop-outs on some phones"]},
]
NEW_FIRMWARE = {"version": "3.5", "date": UPDATE_DATE,
                "added": ["support for the cargo box latch sensor", "a gentler ramp-up in Boost mode"],
                "fixed": ["a crash of the trip counter", "a wrong battery icon on the Haul C2"]}

RECALL = {"model": "Haul C2", "part": "kickstand mounting bolt", "serials": "HC2-2405 to HC2-2411",
          "deadline": "2026-06-30"}

TRADE_IN_BONUS = "€250"

DEALERS = {
    "pedalhaus": {"name": "Pedalhaus", "city": "Hamburg", "labour": 72, "deposit": 150,
                  "open_days": "Tuesday to Saturday", "hours": "10:00 to 19:00", "loyalty": "7%",
                  "exchange_days": "14 days", "price_offset": -50, "inspection": 95, "brake": 65,
                  "diagnosis": 45, "turnaround": "48 hours", "delivery_radius": "15 km"},
    "velonord": {"name": "Velonord", "city": "Aarhus", "labour": 81, "deposit": 200,
                 "open_days": "Monday to Friday", "hours": "09:00 to 18:00", "loyalty": "5%",
                 "exchange_days": "21 days", "price_offset": 80, "inspection": 110, "brake": 74,
                 "diagnosis": 52, "turnaround": "2 working days", "delivery_radius": "25 km"},
    "rouelibre": {"name": "Roue Libre", "city": "Nantes", "labour": 64, "deposit": 120,
                  "open_days": "Wednesday to Sunday", "hours": "09:30 to 18:30", "loyalty": "9%",
                  "exchange_days": "30 days", "price_offset": -120, "inspection": 88, "brake": 59,
                  "diagnosis": 41, "turnaround": "5 working days", "delivery_radius": "12 km"},
}

CITIES = [  # (city, country)
    ("Berlin", "Germany"), ("Munich", "Germany"), ("Cologne", "Germany"), ("Hamburg", "Germany"),
    ("Utrecht", "Netherlands"), ("Groningen", "Netherlands"), ("Ghent", "Belgium"),
    ("Luxembourg", "Luxembourg"), ("Nantes", "France"), ("Lille", "France"), ("Graz", "Austria"),
    ("Vienna", "Austria"), ("Aarhus", "Denmark"), ("Odense", "Denmark"), ("Bologna", "Italy"),
    ("Valencia", "Spain"), ("Poznan", "Poland"), ("Malmo", "Sweden"),
]
DEALER_CITIES = {"pedalhaus": ("Hamburg", "Germany"), "velonord": ("Aarhus", "Denmark"),
                 "rouelibre": ("Nantes", "France")}
NEAREST_WAREHOUSE = {"Germany": "Leipzig", "Poland": "Leipzig", "Austria": "Leipzig",
                     "Denmark": "Leipzig", "Sweden": "Leipzig", "Netherlands": "Rotterdam",
                     "Belgium": "Rotterdam", "Luxembourg": "Rotterdam", "France": "Lyon",
                     "Spain": "Lyon", "Italy": "Lyon"}

# First-name pools are disjoint so held-out tickets never reuse a train name.
FIRST_NAMES_TRAIN = [
    "Anna", "Jonas", "Lea", "Felix", "Mara", "Tobias", "Sofie", "Lukas", "Nina", "Pieter",
    "Emma", "Bram", "Julie", "Thomas", "Clara", "Mathis", "Ines", "Kasper", "Freja", "Marco",
    "Giulia", "Pablo", "Lucia", "Tomasz", "Agata", "Erik", "Linnea", "Noah", "Hanna", "Milan",
    "Eva", "Ruben", "Lotte", "Simon", "Paula", "Jan", "Katrin", "Oskar", "Elin", "Hugo",
    "Chiara", "Diego", "Marta", "Piotr", "Ida", "Victor", "Lena", "Daan", "Amelie", "Rasmus",
]
FIRST_NAMES_HELDOUT = [
    "Wiebke", "Gunnar", "Solveig", "Anouk", "Leopold", "Margot", "Teodor", "Rosalie", "Bastien",
    "Ylva", "Cosima", "Emil", "Henrike", "Matteo", "Ottilie", "Vincent", "Greta", "Florian",
    "Malin", "Jorik", "Elodie", "Anselm", "Nora", "Til",
]
LAST_NAMES = [
    "Keller", "Brandt", "Jansen", "de Vries", "Peeters", "Moreau", "Laurent", "Huber", "Nielsen",
    "Rossi", "Garcia", "Nowak", "Lindqvist", "Schulz", "Vogel", "Bakker", "Maes", "Girard",
    "Gruber", "Madsen", "Ferri", "Ortega", "Kowalski", "Berg", "Wagner", "Visser", "Claes",
    "Fontaine", "Steiner", "Holm", "Conti", "Navarro", "Zielinski", "Sandberg", "Krause", "Smit",
    "Dubois", "Winkler", "Lund", "Greco",
]

CARRIERS = {zone: z["carrier"] for zone, z in SHIPPING_ZONES.items()}
BOOKING_KINDS = ["inspection", "battery_check", "brake_service", "repair"]
CLAIM_REASONS = ["battery capacity below limit", "motor noise", "display fault",
                 "frame paint defect", "charger not working", "speed sensor failure"]
TICKET_CATEGORIES = ["battery", "error_code", "shipping", "returns", "warranty", "service_booking"]


def all_error_codes():
    """{code: (meaning, steps)} over all groups (without the week-2 code)."""
    codes = {}
    for group in ERROR_GROUPS.values():
        codes.update(group["codes"])
    return codes


def zone_of(country):
    for zone, z in SHIPPING_ZONES.items():
        if country in z["countries"]:
            return zone
    raise KeyError(country)


def euros(amount):
    """Amount as written after a € sign: 129.0 -> "129", 6.9 -> "6.90"."""
    return f"{amount:.2f}".removesuffix(".00")


def dealer_price(dealer_id, model):
    return model["price"] + DEALERS[dealer_id]["price_offset"]


def model_by_name(name):
    return next(m for m in MODELS if m["model"] == name)
