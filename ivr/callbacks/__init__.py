"""Callback requests: callers who reach a closed secretariat leave their number, and staff ring them back."""
