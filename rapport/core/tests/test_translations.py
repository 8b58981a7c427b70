"""Every user-facing string is in the fi and nb catalogues, translated and not fuzzy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "rapport" / "locale"
LANGS = ("fi", "nb")


def catalog(lang: str, path: Path = LOCALE):
    with (path / lang / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def entries(cat):
    return [m for m in cat if m.id]


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(lang: str) -> None:
    cat = catalog(lang)
    assert entries(cat), "the catalogue is empty"
    untranslated = [
        m.id
        for m in entries(cat)
        if not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    fuzzy = [m.id for m in entries(cat) if m.fuzzy]
    assert untranslated == [], f"{lang}: {len(untranslated)} untranslated: {untranslated[:10]}"
    assert fuzzy == [], f"{lang}: {len(fuzzy)} fuzzy: {fuzzy[:10]}"


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang: str) -> None:
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for m in entries(catalog(lang)):
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(pattern.findall(ids[-1]))
        for s in strings:
            assert set(pattern.findall(s)) <= wanted | set(pattern.findall(ids[0])), (lang, m.id, s)


def test_every_string_in_the_code_is_in_the_catalogues(tmp_path: Path) -> None:
    """Run makemessages on a copy of the code and compare its msgids with the committed ones."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed for this check; bin/test installs it")
    root = Path(settings.BASE_DIR)
    shutil.copytree(
        root / "rapport",
        tmp_path / "rapport",
        ignore=shutil.ignore_patterns("*.mo", "__pycache__", "tests"),
    )
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fi", "--no-location", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = {m.id for m in entries(catalog("fi", tmp_path / "rapport" / "locale"))}
    for lang in LANGS:
        committed = {m.id for m in entries(catalog(lang))}
        missing = fresh - committed
        assert not missing, (
            f"{lang}: run makemessages and translate: {sorted(map(str, missing))[:10]}"
        )


def test_bc_terms_are_used_in_finnish_and_norwegian() -> None:
    with translation.override("fi"):
        assert translation.gettext("Contacts") == "Kontaktit"
        assert translation.gettext("Salesperson Code") == "Myyjäkoodi"
    with translation.override("nb"):
        assert translation.gettext("Salesperson Code") == "Selgerkode"
        assert translation.gettext("Business Relation Code") == "Forretn.forbindelseskode"
