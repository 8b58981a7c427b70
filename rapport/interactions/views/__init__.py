"""Interaction pages: `setup` (groups, templates, languages, attachments, statistics, template
setup) and `log` (create interaction, postponed interactions, the log, comments, opportunities,
purge, phone calls, the contact card's tab)."""
