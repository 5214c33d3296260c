import contextlib
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cdskg.extract.numbers import format_number, parse_number

values = st.decimals(
    min_value=0, max_value=10**12, places=3, allow_nan=False, allow_infinity=False
).map(lambda d: d.normalize() if d == d.to_integral() else d)


@given(values)
def test_format_parse_round_trip(value):
    assert parse_number(format_number(value)) == value


@given(st.text(max_size=30))
def test_parse_never_crashes_unexpectedly(text):
    with contextlib.suppress(ValueError):
        parse_number(text)


def test_vietnamese_forms():
    assert parse_number("47.059") == Decimal(47059)
    assert parse_number("90,13") == Decimal("90.13")
    assert parse_number("1.2") == Decimal("1.2")
    assert parse_number("118.286") == Decimal(118286)
