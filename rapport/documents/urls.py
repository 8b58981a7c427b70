from django.urls import path

from rapport.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("record/", views.event_record, name="event_record"),
    path("import/", views.event_import, name="event_import"),
]
