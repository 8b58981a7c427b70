"""Production settings: the deploy checks are clean when secure settings are on, the secret
key comes from var/ when bin/run generated one, and var/ is private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

SECURE_ENV = {
    "RAPPORT_DEBUG": "0",
    "RAPPORT_SECRET_KEY": "k" + "9f3Jq-x7Lw2pZr8Vb4Nc6Ym1Hs5Dt0Gu" * 2,
    "RAPPORT_ALLOWED_HOSTS": "crm.example.com",
    "RAPPORT_CSRF_TRUSTED_ORIGINS": "https://crm.example.com",
    "RAPPORT_SECURE_COOKIES": "1",
    "RAPPORT_SSL_REDIRECT": "1",
    "RAPPORT_HSTS_SECONDS": "31536000",
    "RAPPORT_HSTS_INCLUDE_SUBDOMAINS": "1",
    "RAPPORT_HSTS_PRELOAD": "1",
    "RAPPORT_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_are_clean_with_secure_settings(tmp_path: Path) -> None:
    env = {**SECURE_ENV, "RAPPORT_VAR_DIR": str(tmp_path / "var")}
    done = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNINGS" not in done.stderr + done.stdout


def test_settings_read_the_generated_secret_key_and_keep_var_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {"RAPPORT_VAR_DIR": str(var), "RAPPORT_SECRET_KEY": ""}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _manage("shell", "--no-imports", "-c", code, env=env)
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    (var / "secret-key").write_text("generated-by-bin-run-" + "x" * 40 + "\n")
    second = _manage("shell", "--no-imports", "-c", code, env=env)
    assert second.stdout.strip() == "generated-by-bin-run-" + "x" * 40


def test_hsts_and_proxy_header_follow_the_environment() -> None:
    code = (
        "from django.conf import settings; "
        "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_PROXY_SSL_HEADER)"
    )
    done = _manage("shell", "--no-imports", "-c", code, env=SECURE_ENV)
    assert done.stdout.strip() == "31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
