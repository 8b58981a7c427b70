from django.urls import path

from rapport.privacy import views

app_name = "privacy"

urlpatterns = [
    path(
        "contacts/<str:no>/personal-data/",
        views.personal_data_export,
        name="personal_data_export",
    ),
    path(
        "exports/<int:job_id>/",
        views.personal_data_export_download,
        name="personal_data_export_download",
    ),
    path("contacts/<str:no>/erase/", views.personal_data_erase, name="personal_data_erase"),
]
