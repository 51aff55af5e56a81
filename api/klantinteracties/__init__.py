"""Contacts in the municipality's Klantinteracties register (Common Ground; Open Klant is the reference).

Closed escalations and reported absences become a Klantcontact with its Betrokkene (the person's Partij
and DigitaalAdres found or created), tasks an InterneTaak; each through an export row sent by the worker,
retried, never created twice. See docs/adr/0016-contacts-in-the-klantinteracties-register.md.
"""
