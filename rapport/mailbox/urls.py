from django.urls import path

from rapport.mailbox import views

app_name = "mailbox"

urlpatterns = [
    path("", views.setup, name="setup"),
    path("test/", views.setup_test, name="setup_test"),
    path("run/", views.setup_run, name="setup_run"),
    path("unmatched/", views.unmatched_list, name="unmatched_list"),
    path("logged/", views.logged_list, name="logged_list"),
]
