"""Call statistics: record what happens in calls (never who called), report it, show it to staff."""

from __future__ import annotations
