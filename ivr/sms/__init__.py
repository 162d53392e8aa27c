"""Sending the leaflet's link by SMS: who can get one, how many, and the send itself, off the request path."""
