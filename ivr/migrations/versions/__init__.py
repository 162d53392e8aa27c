"""The schema's revisions, oldest first by their numbers; each names the one before it."""
