"""Interaction pages, one module per workflow: `setup` (groups, templates, languages,
attachments, statistics, template setup), `create` (create and resume interactions, phone calls),
`log` (the log, postponed interactions, comments, delete canceled entries), `opportunities`;
`common` holds what they share."""
