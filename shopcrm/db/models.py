"""The peewee models of the whole domain (see shared DOMAIN.md).

Conventions: money is an integer number of VND; timestamps are naive UTC
datetimes; birthdays and due dates are dates. Choice fields hold the English
keys listed in the *_CHOICES tuples; the UI translates them for display.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from shopcrm.db.connection import db


def utcnow() -> dt.datetime:
    """Naive UTC now, the form every timestamp is stored in."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


KIND_CHOICES = ("individual", "organisation")
ORG_TYPE_CHOICES = ("manufacturer", "trading", "wholesale_retail", "nonprofit_state")
RELATION_CHOICES = ("external", "internal")
GENDER_CHOICES = ("unknown", "male", "female", "other")
INCOME_CHOICES = ("low", "medium", "high")
AREA_CHOICES = ("city", "urban", "suburban", "rural")
SOURCE_CHOICES = (
    "walk_in", "social", "website", "referral", "advertising", "media", "other",
)
FUNNEL_CHOICES = ("potential", "new", "loyal", "lapsed", "first_big")
VALUE_CHOICES = ("high", "average", "low")
CHANNEL_CHOICES = ("store", "phone", "online", "zalo", "facebook", "other")
INTERACTION_CHOICES = ("call", "visit", "zalo", "sms", "email", "note", "offer", "other")
FEEDBACK_CHOICES = ("praise", "suggestion", "complaint")
COMPLAINT_STATUS_CHOICES = ("open", "in_progress", "resolved")
TASK_TYPE_CHOICES = (
    "welcome", "thank_you", "feedback_request", "birthday", "win_back",
    "loyalty_offer", "complaint_follow_up", "pre_sale_follow_up", "custom",
)
STAGE_CHOICES = ("pre_sale", "post_sale")
TASK_STATUS_CHOICES = ("planned", "done", "skipped")
RULE_TRIGGER_CHOICES = (
    "after_purchase", "birthday", "became_lapsed", "became_loyal", "complaint", "new_customer",
)
CONSENT_PURPOSE_CHOICES = ("keep_data", "care_messages", "marketing")
IMPORT_KIND_CHOICES = ("customers", "purchases")


class BaseModel(pw.Model):
    class Meta:
        database = db
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """One row: the schema version this database is at (see db.migrations)."""

    version = pw.IntegerField()
    upgraded_at = pw.DateTimeField(default=utcnow)


class ImportBatch(BaseModel):
    """One run of the import wizard, so it can be reviewed and undone."""

    file_name = pw.CharField()
    sheet = pw.CharField(null=True)
    started_at = pw.DateTimeField(default=utcnow)
    finished_at = pw.DateTimeField(null=True)
    rows_total = pw.IntegerField(default=0)
    rows_created = pw.IntegerField(default=0)
    rows_updated = pw.IntegerField(default=0)
    rows_skipped = pw.IntegerField(default=0)
    rows_rejected = pw.IntegerField(default=0)
    mapping = pw.TextField(null=True)  # JSON: column header -> field
    undone_at = pw.DateTimeField(null=True)
    kind = pw.CharField(max_length=12, default="customers")  # IMPORT_KIND_CHOICES


class Customer(BaseModel):
    code = pw.CharField(max_length=20, unique=True)  # KH000001
    kind = pw.CharField(max_length=16, default="individual")
    name = pw.CharField(max_length=200)  # NFC, written family-middle-given
    # Derived keys, kept in step by core.customers: tone-less search text and
    # the Vietnamese collation key (given name first).
    search_key = pw.TextField(default="")
    sort_key = pw.CharField(max_length=600, default="", index=True)
    org_type = pw.CharField(max_length=24, null=True)
    tax_code = pw.CharField(max_length=20, null=True)
    relation = pw.CharField(max_length=16, default="external")
    role_buyer = pw.BooleanField(default=True)
    role_user = pw.BooleanField(default=False)
    role_beneficiary = pw.BooleanField(default=False)
    gender = pw.CharField(max_length=8, default="unknown")
    birthday = pw.DateField(null=True)
    income = pw.CharField(max_length=8, null=True)
    area = pw.CharField(max_length=12, null=True)
    address = pw.CharField(max_length=300, null=True)
    ward = pw.CharField(max_length=100, null=True)
    district = pw.CharField(max_length=100, null=True)
    province = pw.CharField(max_length=100, null=True, index=True)
    phone = pw.CharField(max_length=20, null=True, index=True)  # canonical: 0912345678
    phone2 = pw.CharField(max_length=20, null=True, index=True)
    email = pw.CharField(max_length=254, null=True, index=True)
    zalo = pw.CharField(max_length=100, null=True)
    facebook = pw.CharField(max_length=200, null=True)
    source = pw.CharField(max_length=16, null=True)
    referred_by = pw.ForeignKeyField("self", null=True, backref="referrals", on_delete="SET NULL")
    honorific = pw.CharField(max_length=16, null=True)  # override of the derived one
    notes = pw.TextField(null=True)
    # Segments are derived from purchases and cached here for filtering.
    funnel_segment = pw.CharField(max_length=12, null=True, index=True)
    value_tier = pw.CharField(max_length=8, null=True, index=True)
    import_batch = pw.ForeignKeyField(ImportBatch, null=True, backref="customers", on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow, index=True)
    updated_at = pw.DateTimeField(default=utcnow)
    deleted_at = pw.DateTimeField(null=True, index=True)  # in the trash when set
    version = pw.IntegerField(default=1)  # optimistic locking between counters

    class Meta:
        # The list asks "not in the trash, in name order": one covering index answers it.
        indexes = ((("deleted_at", "sort_key", "id"), False),)


class Tag(BaseModel):
    name = pw.CharField(max_length=60, unique=True)


class CustomerTag(BaseModel):
    customer = pw.ForeignKeyField(Customer, backref="customer_tags", on_delete="CASCADE")
    tag = pw.ForeignKeyField(Tag, backref="customer_tags", on_delete="CASCADE")

    class Meta:
        indexes = ((("customer", "tag"), True),)


class Consent(BaseModel):
    """Consent per purpose (Law 91/2025/QH15): silence is not consent."""

    customer = pw.ForeignKeyField(Customer, backref="consents", on_delete="CASCADE")
    purpose = pw.CharField(max_length=16)
    given_at = pw.DateTimeField(default=utcnow)
    channel = pw.CharField(max_length=40, null=True)
    withdrawn_at = pw.DateTimeField(null=True)


class Purchase(BaseModel):
    customer = pw.ForeignKeyField(Customer, backref="purchases", on_delete="CASCADE")
    date = pw.DateField(index=True)
    description = pw.CharField(max_length=500, null=True)
    amount = pw.BigIntegerField()  # VND
    channel = pw.CharField(max_length=12, default="store")
    note = pw.TextField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    # The purchases import that added it (undo deletes them); NULL when typed in.
    import_batch = pw.ForeignKeyField(ImportBatch, null=True, backref="purchases",
                                      on_delete="SET NULL", index=True)


class ImportChange(BaseModel):
    """A customer an import updated, with what undo needs to put it back (schema 3).

    old_values is JSON {field: value before the import} of the editable fields the
    import changed (dates as ISO text); version_after is the version the import left
    the customer at, so undo can tell whether it was edited since. Old values are
    personal data: an erasure (core.privacy) deletes the customer's rows.
    """

    batch = pw.ForeignKeyField(ImportBatch, backref="changes", on_delete="CASCADE", index=True)
    customer = pw.ForeignKeyField(Customer, backref="import_changes", on_delete="CASCADE",
                                  index=True)
    version_after = pw.IntegerField()
    old_values = pw.TextField()


class ImportTagLink(BaseModel):
    """What an import added to the tags, for its undo (schema 3). Two kinds of rows:
    customer set: a link the import added to a customer it UPDATED (links of customers
    it created go with them); customer NULL and tag_created: a tag the import created
    (undo deletes it when nothing uses it any more)."""

    batch = pw.ForeignKeyField(ImportBatch, backref="tag_links", on_delete="CASCADE", index=True)
    customer = pw.ForeignKeyField(Customer, null=True, backref="import_tag_links",
                                  on_delete="CASCADE", index=True)
    tag = pw.ForeignKeyField(Tag, backref="import_links", on_delete="CASCADE", index=True)
    tag_created = pw.BooleanField(default=False)


class Interaction(BaseModel):
    customer = pw.ForeignKeyField(Customer, backref="interactions", on_delete="CASCADE")
    at = pw.DateTimeField(default=utcnow, index=True)
    kind = pw.CharField(max_length=8, default="note")
    summary = pw.TextField()
    staff = pw.CharField(max_length=100, null=True)
    # The import that added it (undo deletes it); NULL when typed in or generated.
    import_batch = pw.ForeignKeyField(ImportBatch, null=True, backref="interactions",
                                      on_delete="SET NULL", index=True)


class Feedback(BaseModel):
    """A rating or comment; a complaint is also a ticket with a status."""

    customer = pw.ForeignKeyField(Customer, backref="feedback", on_delete="CASCADE")
    at = pw.DateTimeField(default=utcnow, index=True)
    rating = pw.SmallIntegerField(null=True)  # 1-5 stars
    kind = pw.CharField(max_length=12, default="praise")
    comment = pw.TextField(null=True)
    status = pw.CharField(max_length=12, null=True, index=True)  # complaints only
    handler = pw.CharField(max_length=100, null=True)
    resolution = pw.TextField(null=True)
    resolved_at = pw.DateTimeField(null=True)
    # The import that added it (undo deletes it); NULL when typed in or generated.
    import_batch = pw.ForeignKeyField(ImportBatch, null=True, backref="feedback",
                                      on_delete="SET NULL", index=True)


class CareRule(BaseModel):
    """When to create a care task automatically (editable by the shop)."""

    name = pw.CharField(max_length=120)
    trigger = pw.CharField(max_length=16)
    task_type = pw.CharField(max_length=24)
    stage = pw.CharField(max_length=10, default="post_sale")
    offset_days = pw.IntegerField(default=0)
    enabled = pw.BooleanField(default=True)
    template = pw.TextField(null=True)


class CareTask(BaseModel):
    customer = pw.ForeignKeyField(Customer, backref="care_tasks", on_delete="CASCADE")
    task_type = pw.CharField(max_length=24, default="custom")
    stage = pw.CharField(max_length=10, default="post_sale")
    step = pw.SmallIntegerField(null=True)  # step number of the stage (DOMAIN.md)
    title = pw.CharField(max_length=200, null=True)
    due_date = pw.DateField(index=True)
    due_time = pw.TimeField(null=True)
    recurrence = pw.CharField(max_length=20, null=True)  # "yearly", "days:30", "months:3"
    status = pw.CharField(max_length=8, default="planned", index=True)
    outcome = pw.TextField(null=True)
    assigned_to = pw.CharField(max_length=100, null=True)
    rule = pw.ForeignKeyField(CareRule, null=True, backref="tasks", on_delete="SET NULL")
    # Makes automatic generation idempotent: one task per rule and trigger event.
    source_key = pw.CharField(max_length=120, null=True, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    done_at = pw.DateTimeField(null=True)
    # The import that added it (undo deletes it); NULL when typed in or generated.
    import_batch = pw.ForeignKeyField(ImportBatch, null=True, backref="care_tasks",
                                      on_delete="SET NULL", index=True)


class Setting(BaseModel):
    """Shop-wide settings shared by every counter (JSON values)."""

    key = pw.CharField(max_length=80, primary_key=True)
    value = pw.TextField()


class AuditLog(BaseModel):
    """Who did what and when, for deletes, purges, erasures, imports, restores, exports."""

    at = pw.DateTimeField(default=utcnow, index=True)
    user = pw.CharField(max_length=100, null=True)
    action = pw.CharField(max_length=40)
    details = pw.TextField(null=True)


ALL_MODELS = [
    SchemaVersion, ImportBatch, Customer, Tag, CustomerTag, Consent, Purchase,
    ImportChange, ImportTagLink, Interaction, Feedback, CareRule, CareTask, Setting, AuditLog,
]
