"""The colours of the segment and value-tier badges, shared by the list and the detail."""

from __future__ import annotations

from html import escape

from shopcrm.ui.labels import label

# (column, stored key) -> (background, text colour)
BADGES = {
    ("segment", "potential"): ("#eceff1", "#37474f"),
    ("segment", "new"): ("#e3f2fd", "#0d47a1"),
    ("segment", "loyal"): ("#e8f5e9", "#1b5e20"),
    ("segment", "lapsed"): ("#fbe9e7", "#bf360c"),
    ("segment", "first_big"): ("#fff8e1", "#e65100"),
    ("value", "high"): ("#ede7f6", "#4527a0"),
    ("value", "average"): ("#f5f5f5", "#424242"),
    ("value", "low"): ("#fafafa", "#757575"),
}
_FIELDS = {"segment": "funnel_segment", "value": "value_tier"}


def badge_html(column: str, key: str | None) -> str:
    """A coloured label as rich text ("" for none), as the list colours its cell."""
    text = label(_FIELDS[column], key)
    if not text:
        return ""
    background, colour = BADGES.get((column, key), ("#f5f5f5", "#424242"))
    return (f"<span style='background-color: {background}; color: {colour};'>"
            f"&nbsp;{escape(text)}&nbsp;</span>")
