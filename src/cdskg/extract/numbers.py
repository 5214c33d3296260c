"""Vietnamese number forms: dot for thousands, comma for decimals, word multipliers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

#: A number as written in Vietnamese news: "47.059", "90,13", "1.234.567,5", "1,2", "25".
NUMBER = re.compile(r"(?<![\w.,/])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)(?![\w/]|[.,]\d)")


def parse_number(text: str) -> Decimal:
    """Parse a Vietnamese-formatted number.

    A dot followed by exactly three digits groups thousands; otherwise a single dot or
    comma is the decimal mark ("1.2 triệu" is 1.2 million, as careless pages write it).

    >>> parse_number("47.059"), parse_number("90,13"), parse_number("1.234.567,5")
    (Decimal('47059'), Decimal('90.13'), Decimal('1234567.5'))
    >>> parse_number("1.2"), parse_number("0,6077")
    (Decimal('1.2'), Decimal('0.6077'))
    """
    s = text.strip()
    if not s:
        raise ValueError("empty number")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".")
    elif "," in s:
        if s.count(",") > 1:
            raise ValueError(f"not a number: {text!r}")
        s = s.replace(",", ".")
    elif "." in s:
        groups = s.split(".")
        if len(groups) > 2 or (len(groups) == 2 and len(groups[1]) == 3 and groups[0] != "0"):
            if not all(len(g) == 3 for g in groups[1:]):
                raise ValueError(f"not a number: {text!r}")
            s = s.replace(".", "")
    try:
        return Decimal(s)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc


def format_number(value: Decimal) -> str:
    """Write a number the Vietnamese way (inverse of :func:`parse_number` for plain values).

    >>> format_number(Decimal("47059")), format_number(Decimal("90.13"))
    ('47.059', '90,13')
    """
    sign = "-" if value < 0 else ""
    text = format(abs(value), "f")
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = ".".join(groups)
    return sign + (out + "," + frac if frac else out)
