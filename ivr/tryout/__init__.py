"""Trying the line without a phone: the local caller, `ivr call`, the menu picture and the browser preview."""
