"""Staff's closures: a line's secretariat closed for an afternoon, a day or a week, set by staff
(`ivr closed`, `/staff/closed`), kept in the database and taken up by every worker within seconds."""
