"""Reading a phone's contacts: vCard files (.vcf) in versions 2.1 and 3.0.

Phones export their whole address book as one .vcf: Android writes version 2.1
with Vietnamese names in QUOTED-PRINTABLE UTF-8 (``FN;CHARSET=UTF-8;ENCODING=
QUOTED-PRINTABLE:Nguy=E1=BB=85n...``, long values cut by soft line breaks ending
in "="), iPhones and Google Contacts write 3.0 (plain UTF-8, folded lines that
go on after a leading space, ``\\,`` escapes). Each contact becomes one row of
the same `readers.Table` a spreadsheet gives, under headers that
`mapping.auto_map` recognises, so mapping, preview and import are shared:

    Name, Phone, Phone 2, Email, Birthday, Address, Province, Company, Notes, Groups

- Name is FN, else N joined as Vietnamese write it (family, middle, given);
- the first TEL is Phone, the second (a different number) Phone 2; further
  numbers and e-mail addresses go to Notes, so nothing the phone held is lost;
- ADR's street (with locality when a region is also given) is Address, its
  region (else locality) is Province;
- BDAY "1990-03-12", "19900312" or with a time reads as a date; "--03-12" (a
  birthday without a year, which phones allow) goes to Notes as "Birthday: 12/03"
  rather than rejecting the whole contact;
- PHOTO, X- properties and anything else are skipped.

A row's number is the line where its BEGIN:VCARD is, so a rejected contact can
be found in the file. A file without any vCard, or cut short inside a contact,
is refused with one clear sentence (a KnownError); nothing is guessed.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
import unicodedata

from typing import TYPE_CHECKING

from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError

if TYPE_CHECKING:
    from shopcrm.io.readers import Table

NOT_VCARD = QT_TRANSLATE_NOOP("errors", "{name} is not a vCard contacts file or is damaged.")
UNFINISHED = QT_TRANSLATE_NOOP(
    "errors",
    "{name}: the contact that starts on line {line} never ends (END:VCARD is missing), so "
    "the file is probably cut short. Export the contacts from the phone again.",
)

NAME, PHONE, PHONE2, EMAIL, BIRTHDAY = "Name", "Phone", "Phone 2", "Email", "Birthday"
ADDRESS, PROVINCE, COMPANY, NOTES, GROUPS = "Address", "Province", "Company", "Notes", "Groups"
HEADERS = (NAME, PHONE, PHONE2, EMAIL, BIRTHDAY, ADDRESS, PROVINCE, COMPANY, NOTES, GROUPS)
OTHER_PHONES = "Other phones"  # labels inside the Notes cell (stored as they are)
OTHER_EMAILS = "Other emails"
BIRTHDAY_LABEL = "Birthday"  # a birthday without a year goes to Notes as "Birthday: dd/mm"

_PROPERTY = re.compile(r"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$", re.S)
_ESCAPE = re.compile(r"\\(.)", re.S)
_UNESCAPED_SEMICOLON = re.compile(r"(?<!\\);")
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
_DIGITS = re.compile(r"\d")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")


class _Property:
    __slots__ = ("name", "params", "value")

    def __init__(self, name: str, params: dict[str, str], value: str):
        self.name, self.params, self.value = name, params, value


def parse_vcards(text: str, file_name: str) -> "Table":
    """The contacts of a vCard text as a readers.Table (see the module docstring)."""
    from shopcrm.io.readers import EMPTY, Table  # readers imports this module lazily

    cards = _cards(_logical_lines(text), file_name)
    if not cards:
        raise KnownError(NOT_VCARD if cards is None else EMPTY, name=file_name)
    rows, numbers = [], []
    for line, properties in cards:
        row = _row(properties)
        if any(value is not None for value in row.values()):
            rows.append(row)
            numbers.append(line)
    if not rows:
        raise KnownError(EMPTY, name=file_name)
    headers = [h for h in HEADERS if h == NAME or any(row.get(h) is not None for row in rows)]
    return Table(headers=list(headers), rows=[[row.get(h) for h in headers] for row in rows],
                 row_numbers=numbers, header_row_number=0, file_name=file_name)


def looks_like_vcard(text: str) -> bool:
    return "BEGIN:VCARD" in text[:4096].upper()


# -- lines ------------------------------------------------------------------------------

def _logical_lines(text: str):
    """(line number, unfolded line): RFC 2425 folding and quoted-printable soft breaks."""
    physical = text.splitlines()
    index = 0
    while index < len(physical):
        number, line = index + 1, physical[index]
        index += 1
        while index < len(physical):
            following = physical[index]
            if _is_quoted_printable(line) and line.endswith("="):
                line = line[:-1] + following  # a soft line break of QUOTED-PRINTABLE
            elif following[:1] in (" ", "\t"):
                line += following[1:]
            else:
                break
            index += 1
        if _is_quoted_printable(line) and line.endswith("="):
            line = line[:-1]  # a soft break on the last line of the file
        if line.strip():
            yield number, line


def _is_quoted_printable(line: str) -> bool:
    head = line.split(":", 1)[0].upper()
    return ";" in head and "QUOTED-PRINTABLE" in head


def _cards(lines, file_name: str):
    """(line of BEGIN, [properties]) per contact; None when there is no vCard at all."""
    cards, current, start, seen = [], None, 0, False
    for number, line in lines:
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if current is not None:  # the previous contact never ended
                raise KnownError(UNFINISHED, name=file_name, line=start)
            current, start, seen = [], number, True
        elif upper == "END:VCARD":
            if current is None:
                raise KnownError(NOT_VCARD, name=file_name)
            cards.append((start, current))
            current = None
        elif current is not None:
            prop = _parse_property(line)
            if prop is not None:
                current.append(prop)
        elif not seen:
            return None  # text before the first BEGIN:VCARD: not a vCard file
    if current is not None:
        raise KnownError(UNFINISHED, name=file_name, line=start)
    return cards if seen else None


def _parse_property(line: str) -> _Property | None:
    match = _PROPERTY.match(line)
    if match is None:
        return None
    name, raw_params, value = match.group(1).upper(), match.group(2), match.group(3)
    params: dict[str, str] = {}
    for part in raw_params.split(";")[1:]:
        key, _, val = part.partition("=")
        if val:
            params[key.strip().upper()] = val.strip().strip('"')
        elif key.strip().upper() in ("QUOTED-PRINTABLE", "BASE64", "B"):
            params["ENCODING"] = key.strip()  # vCard 2.1 allows the bare value
        else:
            params.setdefault("TYPE", key.strip())
    return _Property(name, params, _decode(value, params))


def _decode(value: str, params: dict[str, str]) -> str:
    """The text of a value: quoted-printable or base64 bytes in the given CHARSET."""
    encoding = params.get("ENCODING", "").upper()
    if encoding == "QUOTED-PRINTABLE":
        data = quopri.decodestring(value.encode("utf-8"))
    elif encoding in ("BASE64", "B"):
        try:
            data = base64.b64decode(value.encode("ascii", "ignore"))
        except (binascii.Error, ValueError):
            return ""
    else:
        return value
    for charset in (params.get("CHARSET") or "utf-8", "utf-8", "cp1258"):
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")


# -- one contact -> one row -------------------------------------------------------------

def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _components(value: str) -> list[str]:
    return [_clean(_unescape(part)) or "" for part in _UNESCAPED_SEMICOLON.split(value)]


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text).strip()
    return text or None


def _row(properties: list[_Property]) -> dict[str, str | None]:
    first: dict[str, _Property] = {}
    birthday_value = None
    phones, emails, notes, groups = [], [], [], []
    for prop in properties:
        first.setdefault(prop.name, prop)
        if prop.name == "TEL":
            phone = _clean(_unescape(prop.value))
            digits = "".join(_DIGITS.findall(phone or ""))
            if phone and all(digits != "".join(_DIGITS.findall(p)) for p in phones):
                phones.append(phone)
        elif prop.name == "EMAIL":
            email = _clean(_unescape(prop.value))
            if email and email.lower() not in (e.lower() for e in emails):
                emails.append(email)
        elif prop.name == "NOTE":
            if note := _clean(_unescape(prop.value)):
                notes.append(note)
        elif prop.name == "CATEGORIES":
            groups += [tag for part in _UNESCAPED_COMMA.split(prop.value)
                       if (tag := _clean(_unescape(part)))]
    if "BDAY" in first and (birthday := _birthday(first["BDAY"].value)):
        if match := _NO_YEAR.fullmatch(birthday):  # a phone lets a birthday have no year
            notes.append(f"{BIRTHDAY_LABEL}: {match.group(2)}/{match.group(1)}")
        else:
            birthday_value = birthday
    if len(phones) > 2:
        notes.append(f"{OTHER_PHONES}: {', '.join(phones[2:])}")
    if len(emails) > 1:
        notes.append(f"{OTHER_EMAILS}: {', '.join(emails[1:])}")
    row = {NAME: _name(first), PHONE: phones[0] if phones else None,
           PHONE2: phones[1] if len(phones) > 1 else None,
           EMAIL: emails[0] if emails else None, BIRTHDAY: birthday_value,
           COMPANY: (_components(first["ORG"].value)[0] or None) if "ORG" in first else None,
           NOTES: "\n".join(notes) or None, GROUPS: "|".join(groups) or None}
    row[ADDRESS], row[PROVINCE] = _address(first["ADR"].value) if "ADR" in first else (None, None)
    return row


def _name(first: dict[str, _Property]) -> str | None:
    """FN, else N (family;given;additional;prefix;suffix) written family-middle-given."""
    if "FN" in first and (name := _clean(_unescape(first["FN"].value))):
        return " ".join(name.split())
    if "N" in first:
        parts = (_components(first["N"].value) + [""] * 3)[:3]
        family, given, middle = parts
        return " ".join(" ".join(p for p in (family, middle, given) if p).split()) or None
    return None


def _birthday(value: str) -> str | None:
    text = _clean(value)
    if text is None:
        return None
    text = text.split("T", 1)[0]
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _address(value: str) -> tuple[str | None, str | None]:
    """ADR (post box;extended;street;locality;region;postal code;country) -> address, province."""
    parts = (_components(value) + [""] * 7)[:7]
    _, extended, street, locality, region = parts[:5]
    province = region or locality or None
    lines = [extended, street, locality if region else ""]
    address = ", ".join(" ".join(p.split()) for p in lines if p) or None
    return address, province
