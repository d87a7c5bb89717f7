"""Amounts as people say them: "$500 billion", "$500bn", "1,250 CHF"."""

from decimal import Decimal

SCALES = [
    (Decimal(10) ** 12, "trillion", "tn"),
    (Decimal(10) ** 9, "billion", "bn"),
    (Decimal(10) ** 6, "million", "m"),
]
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "UAH": "₴"}


def _number(value):
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_amount(amount, currency, *, short=False):
    """ "$500 billion" (or "$500bn" when short); "1,250 CHF" below a million."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    symbol = SYMBOLS.get(currency)
    for scale, word, abbreviation in SCALES:
        if amount >= scale:
            number = _number(amount / scale)
            unit = abbreviation if short else f" {word}"
            return f"{symbol}{number}{unit}" if symbol else f"{number}{unit} {currency}"
    number = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def format_amount_exact(amount, currency):
    if amount is None:
        return ""
    amount = Decimal(amount)
    number = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{number} {currency}"
