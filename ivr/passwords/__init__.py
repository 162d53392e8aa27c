"""Word lists the staff password check adds to zxcvbn's own (data only)."""
