"""Display names of the stored choice keys (models.*_CHOICES), translated."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CHOICE_LABELS: dict[str, dict[str, str]] = {
    "kind": {"individual": QT_TRANSLATE_NOOP("labels", "Individual"),
             "organisation": QT_TRANSLATE_NOOP("labels", "Organisation")},
    "org_type": {"manufacturer": QT_TRANSLATE_NOOP("labels", "Manufacturer"),
                 "trading": QT_TRANSLATE_NOOP("labels", "Trading company"),
                 "wholesale_retail": QT_TRANSLATE_NOOP("labels", "Wholesaler / retailer"),
                 "nonprofit_state": QT_TRANSLATE_NOOP("labels", "Non-profit / state agency")},
    "relation": {"external": QT_TRANSLATE_NOOP("labels", "External"),
                 "internal": QT_TRANSLATE_NOOP("labels", "Internal (staff, shareholder)")},
    "gender": {"unknown": QT_TRANSLATE_NOOP("labels", "Unknown"),
               "male": QT_TRANSLATE_NOOP("labels", "Male"),
               "female": QT_TRANSLATE_NOOP("labels", "Female"),
               "other": QT_TRANSLATE_NOOP("labels", "Other")},
    "income": {"low": QT_TRANSLATE_NOOP("labels", "Low"),
               "medium": QT_TRANSLATE_NOOP("labels", "Medium"),
               "high": QT_TRANSLATE_NOOP("labels", "High")},
    "area": {"city": QT_TRANSLATE_NOOP("labels", "City"),
             "urban": QT_TRANSLATE_NOOP("labels", "Urban area"),
             "suburban": QT_TRANSLATE_NOOP("labels", "Suburban"),
             "rural": QT_TRANSLATE_NOOP("labels", "Rural")},
    "source": {"walk_in": QT_TRANSLATE_NOOP("labels", "Walk-in"),
               "social": QT_TRANSLATE_NOOP("labels", "Social network"),
               "website": QT_TRANSLATE_NOOP("labels", "Website"),
               "referral": QT_TRANSLATE_NOOP("labels", "Referral"),
               "advertising": QT_TRANSLATE_NOOP("labels", "Advertising"),
               "media": QT_TRANSLATE_NOOP("labels", "Press, radio, TV"),
               "other": QT_TRANSLATE_NOOP("labels", "Other")},
    "funnel_segment": {"potential": QT_TRANSLATE_NOOP("labels", "Potential"),
                       "new": QT_TRANSLATE_NOOP("labels", "New"),
                       "loyal": QT_TRANSLATE_NOOP("labels", "Loyal"),
                       "lapsed": QT_TRANSLATE_NOOP("labels", "Lapsed"),
                       "first_big": QT_TRANSLATE_NOOP("labels", "First big purchase")},
    "value_tier": {"high": QT_TRANSLATE_NOOP("labels", "High value"),
                   "average": QT_TRANSLATE_NOOP("labels", "Average value"),
                   "low": QT_TRANSLATE_NOOP("labels", "Low value")},
    "age_group": {"child": QT_TRANSLATE_NOOP("labels", "Child"),
                  "youth": QT_TRANSLATE_NOOP("labels", "Youth"),
                  "middle_aged": QT_TRANSLATE_NOOP("labels", "Middle-aged"),
                  "elderly": QT_TRANSLATE_NOOP("labels", "Elderly")},
    "task_type": {"welcome": QT_TRANSLATE_NOOP("labels", "Welcome"),
                  "thank_you": QT_TRANSLATE_NOOP("labels", "Thank-you / check-in"),
                  "feedback_request": QT_TRANSLATE_NOOP("labels", "Ask for feedback"),
                  "birthday": QT_TRANSLATE_NOOP("labels", "Birthday greeting"),
                  "win_back": QT_TRANSLATE_NOOP("labels", "Win back"),
                  "loyalty_offer": QT_TRANSLATE_NOOP("labels", "Loyalty offer"),
                  "complaint_follow_up": QT_TRANSLATE_NOOP("labels", "Complaint follow-up"),
                  "pre_sale_follow_up": QT_TRANSLATE_NOOP("labels", "Pre-sale follow-up"),
                  "custom": QT_TRANSLATE_NOOP("labels", "Other task")},
    "status": {"planned": QT_TRANSLATE_NOOP("labels", "Planned"),
               "done": QT_TRANSLATE_NOOP("labels", "Done"),
               "skipped": QT_TRANSLATE_NOOP("labels", "Skipped")},
    "channel": {"store": QT_TRANSLATE_NOOP("labels", "In store"),
                "phone": QT_TRANSLATE_NOOP("labels", "Phone"),
                "online": QT_TRANSLATE_NOOP("labels", "Online"),
                "zalo": QT_TRANSLATE_NOOP("labels", "Zalo"),
                "facebook": QT_TRANSLATE_NOOP("labels", "Facebook"),
                "other": QT_TRANSLATE_NOOP("labels", "Other")},
    "interaction_kind": {"call": QT_TRANSLATE_NOOP("labels", "Call"),
                         "visit": QT_TRANSLATE_NOOP("labels", "Visit"),
                         "zalo": QT_TRANSLATE_NOOP("labels", "Zalo"),
                         "sms": QT_TRANSLATE_NOOP("labels", "SMS"),
                         "email": QT_TRANSLATE_NOOP("labels", "Email"),
                         "note": QT_TRANSLATE_NOOP("labels", "Note"),
                         "offer": QT_TRANSLATE_NOOP("labels", "Special offer"),
                         "other": QT_TRANSLATE_NOOP("labels", "Other")},
    "feedback_kind": {"praise": QT_TRANSLATE_NOOP("labels", "Praise"),
                      "suggestion": QT_TRANSLATE_NOOP("labels", "Suggestion"),
                      "complaint": QT_TRANSLATE_NOOP("labels", "Complaint")},
    "complaint_status": {"open": QT_TRANSLATE_NOOP("labels", "Open"),
                         "in_progress": QT_TRANSLATE_NOOP("labels", "In progress"),
                         "resolved": QT_TRANSLATE_NOOP("labels", "Resolved")},
}


def label(field: str, key: str | None) -> str:
    """The translated display name of a stored choice, or "" for none."""
    if not key:
        return ""
    source = CHOICE_LABELS.get(field, {}).get(key)
    return QCoreApplication.translate("labels", source) if source else key


FIELD_LABELS: dict[str, str] = {
    "code": QT_TRANSLATE_NOOP("fields", "Customer code"),
    "name": QT_TRANSLATE_NOOP("fields", "Full name"),
    "first_name": QT_TRANSLATE_NOOP("fields", "Given name"),
    "middle_name": QT_TRANSLATE_NOOP("fields", "Middle name"),
    "last_name": QT_TRANSLATE_NOOP("fields", "Family name"),
    "company": QT_TRANSLATE_NOOP("fields", "Company"),
    "kind": QT_TRANSLATE_NOOP("fields", "Kind"),
    "org_type": QT_TRANSLATE_NOOP("fields", "Organisation type"),
    "tax_code": QT_TRANSLATE_NOOP("fields", "Tax code"),
    "phone": QT_TRANSLATE_NOOP("fields", "Phone"),
    "phone2": QT_TRANSLATE_NOOP("fields", "Second phone"),
    "email": QT_TRANSLATE_NOOP("fields", "Email"),
    "birthday": QT_TRANSLATE_NOOP("fields", "Birthday"),
    "gender": QT_TRANSLATE_NOOP("fields", "Gender"),
    "honorific": QT_TRANSLATE_NOOP("fields", "Honorific"),
    "relation": QT_TRANSLATE_NOOP("fields", "Relation"),
    "role_buyer": QT_TRANSLATE_NOOP("fields", "Buyer"),
    "role_user": QT_TRANSLATE_NOOP("fields", "User"),
    "role_beneficiary": QT_TRANSLATE_NOOP("fields", "Beneficiary"),
    "income": QT_TRANSLATE_NOOP("fields", "Income"),
    "area": QT_TRANSLATE_NOOP("fields", "Area"),
    "address": QT_TRANSLATE_NOOP("fields", "Street address"),
    "ward": QT_TRANSLATE_NOOP("fields", "Ward / commune"),
    "district": QT_TRANSLATE_NOOP("fields", "District"),
    "province": QT_TRANSLATE_NOOP("fields", "Province / city"),
    "zalo": QT_TRANSLATE_NOOP("fields", "Zalo"),
    "facebook": QT_TRANSLATE_NOOP("fields", "Facebook"),
    "source": QT_TRANSLATE_NOOP("fields", "Source"),
    "referred_by": QT_TRANSLATE_NOOP("fields", "Referred by"),
    "notes": QT_TRANSLATE_NOOP("fields", "Notes"),
    "tags": QT_TRANSLATE_NOOP("fields", "Tags"),
}


def field_label(field: str) -> str:
    """The translated name of a customer field ("phone" -> "Số điện thoại")."""
    source = FIELD_LABELS.get(field)
    return QCoreApplication.translate("fields", source) if source else field
