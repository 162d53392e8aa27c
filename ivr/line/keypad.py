"""The keys of a telephone keypad: the one set every part of the line checks keys against."""

KEYPAD = frozenset("0123456789*#")
