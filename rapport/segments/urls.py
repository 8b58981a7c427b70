from django.urls import path

from rapport.segments import views

app_name = "segments"

urlpatterns = [
    path("", views.segment_list, name="segment_list"),
    path("new/", views.segment_new, name="segment_new"),
    path("logged/", views.logged_segment_list, name="logged_segment_list"),
    path("logged/action/", views.logged_segment_action, name="logged_segment_action"),
    path("logged/<int:pk>/", views.logged_segment_detail, name="logged_segment_detail"),
    path(
        "logged/<int:pk>/follow-up/",
        views.logged_segment_follow_up,
        name="logged_segment_follow_up",
    ),
    path(
        "logged/<int:pk>/resend-failed/",
        views.logged_segment_resend,
        name="logged_segment_resend",
    ),
    path(
        "logged/<int:pk>/bundles/<int:job>/",
        views.logged_segment_bundle,
        name="logged_segment_bundle",
    ),
    path("<str:no>/", views.segment_detail, name="segment_detail"),
    path("<str:no>/edit/", views.segment_edit, name="segment_edit"),
    path("<str:no>/delete/", views.segment_delete, name="segment_delete"),
    path("<str:no>/export/", views.segment_export, name="segment_export"),
    path("<str:no>/lines/new/", views.line_add, name="line_add"),
    path("<str:no>/lines/remove/", views.lines_remove, name="lines_remove"),
    path("<str:no>/lines/<int:line_no>/", views.line_edit, name="line_edit"),
    path("<str:no>/lines/<int:line_no>/preview/", views.line_preview, name="line_preview"),
    path(
        "<str:no>/lines/<int:line_no>/preview/download/",
        views.line_preview_download,
        name="line_preview_download",
    ),
    path("<str:no>/criteria/<str:action>/", views.criteria_run, name="criteria_run"),
    path("<str:no>/go-back/", views.go_back, name="go_back"),
    path("<str:no>/save-criteria/", views.save_criteria, name="save_criteria"),
    path("<str:no>/reuse-criteria/", views.reuse_criteria, name="reuse_criteria"),
    path("<str:no>/reuse-logged-segment/", views.reuse_logged_segment, name="reuse_logged_segment"),
    path("<str:no>/log/", views.segment_log, name="segment_log"),
    path("<str:no>/languages/", views.segment_languages, name="segment_languages"),
]
