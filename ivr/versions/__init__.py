"""Published content: each line's versions in the database (`ivr publish`), read again by every worker, and
the drafts staff try before publishing."""
