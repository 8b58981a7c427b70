from django.db import migrations

LANGUAGES = {
    "FI": "Suomi",
    "NB": "Norsk bokmål",
    "EN": "English",
    "SV": "Svenska",
    "DA": "Dansk",
    "DE": "Deutsch",
}


def seed(apps, schema_editor):
    Language = apps.get_model("core", "Language")
    for code, name in LANGUAGES.items():
        Language.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
