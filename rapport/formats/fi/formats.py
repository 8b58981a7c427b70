"""Finnish dates as Finns type them: 23.11.2026 (ISO also accepted)."""

DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
