"""`ivr import`: a leaflet (plain text or PDF) made into a draft content file for a clinician to read through.

`reading` gets the leaflet's text, `draft` turns it into sections, menus, number and hours (`ear` cleans
the text for the ear, `contact` reads the contact block), `writing` writes the TOML, `cli` is the command.
"""
