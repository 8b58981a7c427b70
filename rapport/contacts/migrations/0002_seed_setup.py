"""A fresh installation starts with BC-like number series and a marketing setup using them."""

from django.db import migrations

SERIES = [
    ("CONT", "Contacts", "CT000001", "contact_nos"),
    ("CAMP", "Campaigns", "CP0001", "campaign_nos"),
    ("SEGM", "Segments", "SM00001", "segment_nos"),
    ("OPP", "Opportunities", "OP000001", "opportunity_nos"),
    ("TASK", "Tasks", "TD000001", "task_nos"),
]


def seed(apps, schema_editor):
    NumberSeries = apps.get_model("core", "NumberSeries")
    MarketingSetup = apps.get_model("contacts", "MarketingSetup")
    Language = apps.get_model("core", "Language")
    setup, _created = MarketingSetup.objects.get_or_create(pk=1)
    for code, description, starting_no, field in SERIES:
        series, _c = NumberSeries.objects.get_or_create(
            code=code,
            defaults={"description": description, "starting_no": starting_no,
                      "default_nos": True, "manual_nos": True},
        )
        if getattr(setup, f"{field}_id") is None:
            setattr(setup, field, series)
    if setup.default_language_id is None:
        setup.default_language = Language.objects.filter(code="FI").first()
    setup.save()


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial"), ("core", "0002_seed_languages")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
