"""Demo data: a realistic, deterministic history of a small Vietnamese fashion shop.

`generate(n)` adds n customers to the bound database with two years of purchases,
interactions, feedback, care tasks, consents and interest tags, so every screen,
report and segment rule has something believable to show. Randomness comes only
from one `random.Random`, seeded with `seed` and the first free customer number
(so a second run on the same database adds other people, not clones), and every
date is relative to `today`: the same seed and `today` on the same database give
the same rows.

Customers are generated and written CHUNK at a time (memory stays flat), all in
one transaction, with shopcrm.db.bulk (peewee's INSERT, the driver's executemany).
Pure Python: never import Qt here.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterable

import peewee
from peewee import fn

from shopcrm.core import care_rules
from shopcrm.core import customers as customers_core
from shopcrm.core import demo_words as words
from shopcrm.core.dates import as_date
from shopcrm.core.text import fold
from shopcrm.db import bulk
from shopcrm.db.connection import db
from shopcrm.db.models import (
    CareTask, Consent, Customer, CustomerTag, Feedback, Interaction, Purchase, Tag,
)

CHUNK = 500  # customers generated, then written, together (codes fit SQLite's old 999 limit)
DAYS = 730  # two years of history
VN_MINUS_UTC = dt.timedelta(hours=7)  # Vietnam keeps UTC+7 all year
ORG_SHARE = 0.03

CUSTOMER_FIELDS = (
    "code", "kind", "name", "search_key", "sort_key", "org_type", "tax_code", "relation",
    "role_buyer", "role_user", "role_beneficiary", "gender", "birthday", "income", "area",
    "address", "ward", "district", "province", "phone", "phone2", "email", "zalo", "facebook",
    "source", "notes", "created_at", "updated_at", "version",
)
CHILD_FIELDS = {
    Purchase: ("customer", "date", "description", "amount", "channel", "note", "created_at"),
    Interaction: ("customer", "at", "kind", "summary", "staff"),
    Feedback: ("customer", "at", "rating", "kind", "comment", "status", "handler", "resolution",
               "resolved_at"),
    CareTask: ("customer", "task_type", "stage", "step", "title", "due_date", "recurrence",
               "status", "outcome", "assigned_to", "created_at", "done_at"),
    Consent: ("customer", "purpose", "given_at", "channel", "withdrawn_at"),
    CustomerTag: ("customer", "tag"),
}


class Pick:
    """Weighted choice by bisection: random.choices re-checks its arguments on every call."""

    __slots__ = ("values", "cum")

    def __init__(self, pairs: Iterable[tuple[object, float]]):
        pairs = list(pairs)
        self.values = [value for value, _ in pairs]
        self.cum = list(itertools.accumulate(weight for _, weight in pairs))

    def __call__(self, rng: random.Random):
        index = bisect.bisect(self.cum, rng.random() * self.cum[-1], 0, len(self.cum) - 1)
        return self.values[index]


FAMILY, MALE_MIDDLE, FEMALE_MIDDLE = (
    Pick(words.FAMILY_NAMES), Pick(words.MALE_MIDDLE), Pick(words.FEMALE_MIDDLE))
MALE_GIVEN, FEMALE_GIVEN = Pick(words.MALE_GIVEN), Pick(words.FEMALE_GIVEN)
PROVINCE = Pick((p, p[1]) for p in words.PROVINCES)
PREFIX, EMAIL_DOMAIN = Pick(words.MOBILE_PREFIXES), Pick(words.EMAIL_DOMAINS)
SOURCE, INCOME, ORG_TYPE = Pick(words.SOURCES), Pick(words.INCOMES), Pick(words.ORG_TYPES)
ITEM, ORG_ITEM, ITEM_COUNT = Pick(words.ITEMS), Pick(words.ORG_ITEMS), Pick(words.ITEM_COUNTS)
CHANNEL, RATING = Pick(words.CHANNELS), Pick(words.RATINGS)
TAG_COUNT = Pick(((0, 45), (1, 30), (2, 17), (3, 8)))
# Tasks of the kinds the default care rules make are left to the care engine from the
# first due day it creates them for (today - the catch-up days): the app's morning run
# makes them, with their source keys. The demo writes only the older history, so the
# engine never adds a second thank-you or birthday task beside one of the demo's.
ENGINE_TASKS = frozenset(rule.task_type for rule in care_rules.DEFAULT_RULES)
PROFILE = Pick((("potential", 15), ("one_time", 40), ("occasional", 24), ("lapsed", 15),
                ("loyal", 6)))


def generate(customers: int, seed: int = 1, today: dt.date | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Add `customers` demo customers and their history; rows added per table."""
    counts = {m._meta.table_name: 0 for m in (Customer, Tag, *CHILD_FIELDS)}
    today = today or dt.date.today()
    with db.atomic():
        run = _Run(customers, seed, today, counts)
        for start in range(0, customers, CHUNK):
            stop = min(customers, start + CHUNK)
            run.add_chunk(start, stop)
            if progress is not None:
                progress(stop, customers)
        # The recent tasks of the rules' kinds, as the morning run would make them (see
        # ENGINE_TASKS): the demo is whole without the window, for an export or a report.
        run.engine_tasks(today, counts)
    return counts


def _ensure_tags(counts: dict[str, int]) -> dict[str, int]:
    """Tag ids by name, creating the demo's interest tags a database lacks."""
    existing = dict(Tag.select(Tag.name, Tag.id).tuples())
    missing = [(name,) for name, _ in words.TAGS if name not in existing]
    counts[Tag._meta.table_name] += bulk.insert_rows(Tag, ("name",), missing)
    return dict(Tag.select(Tag.name, Tag.id).tuples())


class _Run:
    """One generate() call: the random source, the clock, what is taken, rows to write."""

    def __init__(self, total: int, seed: int, today: dt.date, counts: dict[str, int]):
        self.total, self.t0, self.counts = total, today.toordinal(), counts
        self.first = int(customers_core.next_code()[len(customers_core.CODE_PREFIX):])
        self.rng = random.Random(f"{seed}/{self.first}")
        # Phones identify customers in shops (KiotViet refuses duplicates), emails nearly
        # so (imports match on them): never reuse one.
        taken = Customer.select(Customer.phone, Customer.phone2, Customer.email).tuples()
        self.taken = {value for row in taken for value in row if value}
        tag_ids = _ensure_tags(counts)
        self.tag = Pick((tag_ids[name], weight) for name, weight in words.TAGS)
        self.ids: list[int] = []  # this run's customer ids, in code order
        self.rows: dict[type[peewee.Model], list[tuple]] = {m: [] for m in CHILD_FIELDS}
        self.ascii: dict[str, str] = {}
        self.engine_from = care_rules.Window.of(today).start.toordinal()

    def add_chunk(self, start: int, stop: int) -> None:
        """Generate and write customers [start, stop) of this run, then their history."""
        people = [self.person(index) for index in range(start, stop)]
        codes = [p["code"] for p in people]
        rows = [tuple(p[f] for f in CUSTOMER_FIELDS) for p in people]
        written = bulk.insert_rows(Customer, CUSTOMER_FIELDS, rows)
        self.counts[Customer._meta.table_name] += written
        ids = dict(Customer.select(Customer.code, Customer.id).where(Customer.code.in_(codes))
                   .tuples())
        self.ids.extend(ids[code] for code in codes)
        self.refer(start, people)
        for index, person in enumerate(people, start):
            self.history(self.ids[index], person)
        for model, rows in self.rows.items():
            written = bulk.insert_rows(model, CHILD_FIELDS[model], rows)
            self.counts[model._meta.table_name] += written
            rows.clear()

    def refer(self, start: int, people: list[dict]) -> None:
        """Point most referral customers at an earlier one, long-standing ones more often."""
        rng, pairs = self.rng, []
        for index, person in enumerate(people, start):
            if person["source"] == "referral" and index and rng.random() < 0.85:
                pairs.append((self.ids[index], self.ids[int(index * rng.random() ** 2)]))
        if pairs:
            (Customer.update(referred_by=peewee.Case(Customer.id, pairs))
             .where(Customer.id.in_([new for new, _ in pairs])).execute())

    # -- the customer -------------------------------------------------------------

    def person(self, index: int) -> dict:
        """The stored values of customer `index` of this run, plus _private profile keys."""
        rng, digits = self.rng, customers_core.CODE_DIGITS
        created = self.t0 - DAYS + int((DAYS + 1) * (index + rng.random()) / self.total)
        values = self.place()
        if rng.random() < ORG_SHARE:
            values.update(self.organisation(values))
        else:
            values.update(self.individual(values["_region"]))
        values.update(self.profile(created), _created=created, created_at=self.stamp(created),
                      code=f"{customers_core.CODE_PREFIX}{self.first + index:0{digits}d}",
                      relation="internal" if rng.random() < 0.015 else "external",
                      role_buyer=True, source=SOURCE(rng), phone=self.phone(),
                      phone2=self.phone() if rng.random() < 0.08 else None)
        values["zalo"] = values["phone"] if rng.random() < 0.3 else None
        edited = rng.random() < 0.2  # a fifth were edited since, once
        edit_day = created + int(rng.random() * (self.t0 - created))
        values["updated_at"] = max(values["created_at"], self.stamp(edit_day)) if edited \
            else values["created_at"]
        values["version"] = 2 if edited else 1
        values.update(customers_core.derived(values))
        return values

    def place(self) -> dict:
        """Province, district, ward, area and street address; a few customers gave none."""
        rng = self.rng
        name, _, region, tax, streets, districts = PROVINCE(rng)
        district, area, wards = rng.choice(districts)
        street, r = rng.choice(streets), rng.random()
        number, alley = rng.randrange(1, 300), rng.randrange(1, 120)
        if area == "rural":
            address = f"{'Ấp' if region == 'S' else 'Thôn'} {rng.randrange(1, 12)}"
        elif region == "N":  # Hà Nội style: "Số 12, ngõ 45 Phố Huế"
            address = f"Số {number}, ngõ {alley} {street}" if r < 0.3 else f"Số {number} {street}"
        else:  # southern alleys (hẻm): "123/4 Nguyễn Trãi"
            address = f"{number}/{alley} {street}" if r < 0.3 else f"{number} {street}"
        values = {"province": name, "district": district, "ward": rng.choice(wards),
                  "area": area, "address": address, "_region": region, "_tax": tax,
                  "_street": street}
        if r > 0.95:  # nothing known
            values.update(province=None, district=None, ward=None, area=None, address=None)
        elif r > 0.87:  # only the delivery area
            values.update(ward=None, address=None)
        return values

    def individual(self, region: str) -> dict:
        """A person: gendered name (family-middle-given), age 16-75, contact details."""
        rng = self.rng
        female = rng.random() < 0.58
        age = 16 + int(60 * rng.betavariate(2, 3.5))  # most customers 25-45
        family = FAMILY(rng)
        if family in words.SOUTHERN and region != "N":
            southern, share = words.SOUTHERN[family]
            family = southern if rng.random() < (share if region == "S" else share / 2) else family
        given = (FEMALE_GIVEN if female else MALE_GIVEN)(rng)
        if rng.random() < 0.2 + 0.6 * min(1.0, max(0.0, (age - 20) / 45)):  # Văn/Thị: older
            middle = "Thị" if female else "Văn"
            if female and rng.random() < 0.25:
                middle += " " + FEMALE_MIDDLE(rng)
        else:
            middle = (FEMALE_MIDDLE if female else MALE_MIDDLE)(rng)
        if middle.endswith(given):
            given = (FEMALE_GIVEN if female else MALE_GIVEN)(rng)
        birth = self.t0 - int((age + 0.02 + 0.96 * rng.random()) * 365.2425)
        birthday = dt.date.fromordinal(birth) if rng.random() < 0.82 else None
        young = age < 40
        return {
            "kind": "individual", "name": f"{family} {middle} {given}", "org_type": None,
            "tax_code": None, "gender": "unknown" if rng.random() < 0.03
            else ("female" if female else "male"), "birthday": birthday,
            "role_user": rng.random() < 0.75, "role_beneficiary": rng.random() < 0.08,
            "income": INCOME(rng), "email": self.email((family, *middle.split(), given),
                                                      dt.date.fromordinal(birth).year)
            if rng.random() < (0.45 if young else 0.15) else None,
            "facebook": f"facebook.com/{self.fold(given)}.{self.fold(family)}.{rng.randrange(100)}"
            if rng.random() < (0.2 if young else 0.05) else None,
            "notes": rng.choice(words.NOTES) if rng.random() < 0.1 else None,
        }

    def organisation(self, place: dict) -> dict:
        """An organisation (company, shop, school, agency) with its tax code and a contact."""
        rng = self.rng
        org_type = ORG_TYPE(rng)
        brand = f"{rng.choice(words.BRAND_FIRST)} {rng.choice(words.BRAND_SECOND)}"
        ward = place["ward"] or place["district"] or "Phường 1"
        name = rng.choice(words.ORG_FORMS[org_type]).format(
            brand=brand, street=place["_street"], ward=ward[0].lower() + ward[1:])
        domain = self.fold(brand).replace(" ", "")
        contact = f"anh {MALE_GIVEN(rng)}" if rng.random() < 0.4 else f"chị {FEMALE_GIVEN(rng)}"
        return {
            "kind": "organisation", "name": name, "org_type": org_type,
            "tax_code": place["_tax"] + f"{rng.randrange(10 ** 8):08d}", "gender": "unknown",
            "birthday": None, "role_user": False, "role_beneficiary": False,
            "income": rng.choice(("high", "medium", None)), "facebook": None,
            "email": None if org_type == "nonprofit_state"
            else self.claim_email(*rng.choice(((f"lienhe.{domain}", "gmail.com"),
                                               (f"ketoan.{domain}", "gmail.com"),
                                               ("lienhe", f"{domain}.vn")))),
            "notes": f"Liên hệ: {contact} ({rng.choice(words.ORG_CONTACTS)})",
        }

    def profile(self, created: int) -> dict:
        """How this customer buys; loyal and lapsed need enough history to be so."""
        rng, tenure = self.rng, self.t0 - created
        profile = PROFILE(rng)
        if profile == "loyal" and tenure < 120:
            profile = "occasional"
        if profile == "lapsed" and tenure < 240:
            profile = "one_time"
        gap = 180 + int(rng.random() * (min(540, tenure - 60) - 180)) if profile == "lapsed" else 0
        return {"_profile": profile, "_lapse": self.t0 - gap}

    def phone(self) -> str:
        """A valid mobile number no customer has yet."""
        rng = self.rng
        while True:
            prefix = PREFIX(rng)
            number = prefix + str(rng.randrange(10 ** (10 - len(prefix)))).zfill(10 - len(prefix))
            if number not in self.taken:
                self.taken.add(number)
                return number

    def email(self, name_words: tuple[str, ...], birth_year: int) -> str:
        """An address the way people make them: hanguyen92@, nguyenthithuha1990@, ha.nguyen7@."""
        rng = self.rng
        parts = [self.fold(w) for w in name_words]
        r = rng.random()
        tail = str(birth_year % 100 if r < 0.3 else birth_year if r < 0.5 else rng.randrange(1000))
        style = rng.random()
        if style < 0.4:
            local = parts[-1] + parts[0] + tail
        elif style < 0.7:
            local = "".join(parts) + tail
        else:
            local = f"{parts[-1]}.{parts[0]}{tail}"
        return self.claim_email(local, EMAIL_DOMAIN(rng))

    def claim_email(self, local: str, domain: str) -> str:
        """local@domain, with digits added while another customer has it (as people do)."""
        email = f"{local}@{domain}"
        while email in self.taken:
            local += str(self.rng.randrange(10))
            email = f"{local}@{domain}"
        self.taken.add(email)
        return email

    def fold(self, word: str) -> str:
        """ASCII form of a name word, cached: the same few hundred words come back."""
        folded = self.ascii.get(word)
        if folded is None:
            folded = self.ascii[word] = fold(word)
        return folded

    def stamp(self, day: int) -> dt.datetime:
        """A naive-UTC moment during shop hours (8:00-21:00 Vietnam time) on day `day`."""
        minutes = 480 + int(self.rng.random() * 780)
        return dt.datetime.fromordinal(day) + dt.timedelta(minutes=minutes) - VN_MINUS_UTC

    # -- the history ----------------------------------------------------------------

    def history(self, cid: int, person: dict) -> None:
        """Purchases, contacts, feedback, care tasks, consents and tags of one customer."""
        days = self.purchase_days(person)
        org, big = person["kind"] == "organisation", person["_profile"] == "loyal"
        for day in days:
            self.purchase(cid, day, org, big)
        self.interactions(cid, person, days)
        complaints = self.feedback(cid, days)
        self.tasks(cid, person, days, complaints)
        self.consents(cid, person)
        chosen: list[int] = []  # a list, not a set: row order must not depend on hashing
        for _ in range(TAG_COUNT(self.rng)):
            tag = self.tag(self.rng)
            if tag not in chosen:
                chosen.append(tag)
        self.rows[CustomerTag].extend((cid, tag) for tag in chosen)

    def purchase_days(self, person: dict) -> list[int]:
        """Purchase days: none, once, a few, monthly (loyal), or stopped 6-18 months ago."""
        rng, profile, first = self.rng, person["_profile"], person["_created"]
        if profile == "potential":
            return []
        if profile == "one_time":
            return [first]
        if profile == "loyal":
            return list(range(first, self.t0 + 1, 18 + int(rng.random() * 28)))
        last = person["_lapse"] if profile == "lapsed" else self.t0
        between = sorted(first + int(rng.random() * (last - first + 1))
                         for _ in range(int(rng.random() * 4) + (profile == "occasional")))
        return [first, *between, last] if profile == "lapsed" else [first, *between]

    def purchase(self, cid: int, day: int, org: bool, big: bool) -> None:
        """One sale: 1-4 items (bulk for organisations), prices like 349.000 ₫."""
        rng, parts, seen, amount = self.rng, [], [], 0
        count = 1 + (rng.random() < 0.3) if org else ITEM_COUNT(rng) + (big and rng.random() < 0.5)
        for _ in range(count):
            name, low, high = (ORG_ITEM if org else ITEM)(rng)
            if name in seen:
                continue
            seen.append(name)
            price = (low + int(rng.random() * (high - low))) // 10 * 10  # thousands of VND
            price -= rng.random() < 0.4  # 349.000 ₫ sells better than 350.000 ₫
            qty = rng.randrange(5, 40) if org else 1 + (rng.random() < 0.1)
            amount += price * qty
            label = name if qty == 1 else f"{qty} {name[0].lower()}{name[1:]}"
            parts.append(label if not parts else label[0].lower() + label[1:])
        note = rng.choice(words.PURCHASE_NOTES) if rng.random() < 0.08 else None
        if note and note.startswith("Giảm 10%"):
            amount = amount * 9 // 10
        self.rows[Purchase].append((cid, dt.date.fromordinal(day), ", ".join(parts),
                                    amount * 1000, CHANNEL(rng), note, self.stamp(day)))

    def interactions(self, cid: int, person: dict, days: list[int]) -> None:
        """Questions before buying, check-ins after, win-back calls, the odd note."""
        rng, first, t0 = self.rng, person["_created"], self.t0
        if days and rng.random() < 0.3:  # asked before the first purchase
            self.contact(cid, first, words.INQUIRIES)
        for _ in range(0 if days else 1 + (rng.random() < 0.4)):  # prospects ask, no more yet
            self.contact(cid, first + int(rng.random() * min(20, t0 - first + 1)), words.INQUIRIES)
        for day in days:
            if rng.random() < (0.1 if len(days) > 5 else 0.2) and day + 5 <= t0:
                self.contact(cid, day + 1 + int(rng.random() * 5), words.AFTER_PURCHASE)
        if person["_profile"] == "lapsed" and rng.random() < 0.5:
            day = person["_lapse"] + 90 + int(rng.random() * 90)
            if day <= t0:
                self.contact(cid, day, words.WIN_BACK)
        if rng.random() < 0.06:
            self.contact(cid, first + int(rng.random() * (t0 - first + 1)), words.GENERAL)

    def contact(self, cid: int, day: int, table: tuple[tuple[str, str], ...]) -> None:
        kind, summary = self.rng.choice(table)
        self.rows[Interaction].append((cid, self.stamp(day), kind, summary,
                                       self.rng.choice(words.STAFF)))

    def feedback(self, cid: int, days: list[int]) -> list[tuple]:
        """Ratings after some purchases, mostly 4-5 stars; the complaints among them."""
        rng, complaints = self.rng, []
        for day in days:
            day += 1 + int(rng.random() * 10)
            if rng.random() >= 0.12 or day > self.t0:
                continue
            at, rating = self.stamp(day), RATING(rng)
            status = handler = resolution = resolved_at = None
            if rating <= 2 or (rating == 3 and rng.random() < 0.3):
                kind, comment = "complaint", rng.choice(words.COMPLAINTS)
                status, handler, resolution, resolved_at = self.complaint(at, self.t0 - day)
                complaints.append((day, at, status, resolved_at, resolution))
            elif rating == 3 or rng.random() < 0.1:
                kind, comment = "suggestion", rng.choice(words.SUGGESTIONS)
            else:
                kind, comment = "praise", rng.choice(words.PRAISE) if rng.random() < 0.7 else None
            self.rows[Feedback].append((cid, at, rating, kind, comment, status, handler,
                                        resolution, resolved_at))
        return complaints

    def complaint(self, at: dt.datetime, age: int) -> tuple:
        """(status, handler, resolution, resolved_at): recent complaints are still open."""
        rng, r = self.rng, self.rng.random()
        open_share, in_progress = (
            (0.7, 0.3) if age <= 3 else (0.3, 0.4) if age <= 21 else (0.08, 0.07))
        if r < open_share:
            return "open", None, None, None
        if r < open_share + in_progress:
            return "in_progress", rng.choice(words.STAFF), None, None
        resolved_at = at + dt.timedelta(minutes=120 + int(rng.random() * 4200))
        return "resolved", rng.choice(words.STAFF), rng.choice(words.RESOLUTIONS), resolved_at

    def tasks(self, cid: int, person: dict, days: list[int], complaints: list[tuple]) -> None:
        """Care tasks around birthdays, purchases, lapses, loyalty, prospects and complaints."""
        rng, t0, first = self.rng, self.t0, person["_created"]
        year = dt.date.fromordinal(t0).year
        for due in [_anniversary(person["birthday"], y) for y in (year - 1, year, year + 1)
                    if person["birthday"]]:
            if -14 <= due - t0 <= 30 and rng.random() < 0.8:
                self.task(cid, "birthday", due, first, recurrence="yearly")
        if not days:
            if rng.random() < 0.7:
                self.task(cid, "pre_sale_follow_up", first + 2 + int(rng.random() * 9), first)
        else:
            for day in days[:-1]:
                if day >= t0 - 180 and rng.random() < 0.15:
                    self.task(cid, "thank_you", day + 3, first)
            if days[-1] + 17 >= t0:
                self.task(cid, "thank_you", days[-1] + 3, first)
                if rng.random() < 0.6:
                    self.task(cid, "feedback_request", days[-1] + 7, first)
            if first >= t0 - 30:
                self.task(cid, "welcome", first + 1, first)
        if person["_profile"] == "loyal" and rng.random() < 0.4:
            self.task(cid, "loyalty_offer", t0 + rng.randint(-10, 30), first)
        if person["_profile"] == "lapsed" and rng.random() < 0.6:
            due = person["_lapse"] + 90 + int(rng.random() * 90)
            if due <= t0 + 30:
                self.task(cid, "win_back", due, first)
        for day, at, status, resolved_at, resolution in complaints:
            done = (resolved_at, resolution) if status == "resolved" else "open"
            self.task(cid, "complaint_follow_up", day + 1, first, done=done)
        if rng.random() < 0.03:
            self.task(cid, "custom", t0 + rng.randint(-14, 30), first)

    def task(self, cid: int, kind: str, due: int, first: int, recurrence: str | None = None,
             done: tuple | str | None = None) -> None:
        """A task due on `due`: past ones mostly done, a month's worth still overdue.

        `done` is (done_at, outcome) for a task known to be done, "open" for one that
        stays planned whatever its date (the follow-up of an unresolved complaint).
        """
        rng, t0 = self.rng, self.t0
        if kind in ENGINE_TASKS and due >= self.engine_from:
            return
        stage, step, titles, _ = words.TASKS[kind]
        status, outcome, done_at = "planned", None, None
        if isinstance(done, tuple):
            status, (done_at, outcome) = "done", done
        elif due < t0 and done is None:
            status, outcome, done_at = self.handled(kind, due)
        self.rows[CareTask].append((
            cid, kind, stage, step, rng.choice(titles), dt.date.fromordinal(due), recurrence,
            status, outcome, rng.choice(words.STAFF) if rng.random() < 0.7 else None,
            self.stamp(max(first, min(due, t0) - 3)), done_at))

    def handled(self, kind: str, due: int) -> tuple[str, str | None, dt.datetime | None]:
        """(status, outcome, done_at) of a task due before today: mostly done, some
        skipped; of the last month's, a third still waits (overdue)."""
        rng, t0 = self.rng, self.t0
        old, r = due < t0 - 30, rng.random()
        if r < (0.85 if old else 0.55):
            done_at = self.stamp(min(due + int(rng.random() * 3), t0))
            return "done", rng.choice(words.TASKS[kind][3]), done_at
        if r < (1.0 if old else 0.62):
            return "skipped", None, None
        return "planned", None, None

    def engine_tasks(self, today: dt.date, counts: dict[str, int]) -> None:
        """The care engine's tasks for this run's customers (see ENGINE_TASKS); those
        already due handled as the demo's own are, so the shop looks worked in."""
        last_task = CareTask.select(fn.MAX(CareTask.id)).scalar() or 0
        care_rules.ensure_default_rules()
        counts[CareTask._meta.table_name] += care_rules.generate(today).total
        if not self.ids:
            return
        due = (CareTask.select(CareTask.id, CareTask.task_type, CareTask.due_date,
                               CareTask.source_key)
               .where((CareTask.id > last_task) & (CareTask.customer >= min(self.ids))
                      & (CareTask.due_date < today)).order_by(CareTask.id).tuples())
        due = list(due)
        # A complaint's follow-up is done when the demo resolved the complaint.
        complaints = {int(key.rsplit(":", 1)[1]) for _, kind, _, key in due
                      if kind == "complaint_follow_up"}
        resolved = {fid: (resolution, at) for fid, resolution, at in Feedback.select(
            Feedback.id, Feedback.resolution, Feedback.resolved_at).where(
            Feedback.id.in_(complaints) & (Feedback.status == "resolved")).tuples()}
        params = []
        for task_id, kind, day, key in due:
            if kind == "complaint_follow_up":
                found = resolved.get(int(key.rsplit(":", 1)[1]))
                if found is None:
                    continue
                status, (outcome, done_at) = "done", found
            else:
                status, outcome, done_at = self.handled(kind, as_date(day).toordinal())
            if status != "planned":
                params.append((status, outcome, done_at, task_id))
        bulk.update_rows(CareTask, ("status", "outcome", "done_at"), ("id",), params)

    def consents(self, cid: int, person: dict) -> None:
        """Keeping data for most; care messages and marketing for fewer; a few withdrawn."""
        rng, at = self.rng, person["created_at"]
        if rng.random() >= 0.92:
            return
        channel = words.CONSENT_CHANNELS.get(person["source"], "điện thoại")
        rows = self.rows[Consent]
        rows.append((cid, "keep_data", at, channel, None))
        if rng.random() < 0.65:
            rows.append((cid, "care_messages", at, channel, None))
        if rng.random() < 0.32:
            withdrawn = person["_created"] + 30 + int(rng.random() * 300)
            rows.append((cid, "marketing", at, channel, self.stamp(withdrawn)
                         if rng.random() < 0.05 and withdrawn <= self.t0 else None))


def _anniversary(birthday: dt.date, year: int) -> int:
    """The ordinal of the birthday in `year` (29 February falls on the 28th)."""
    try:
        return birthday.replace(year=year).toordinal()
    except ValueError:
        return dt.date(year, 2, 28).toordinal()
