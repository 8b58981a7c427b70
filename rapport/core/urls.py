from django.urls import path

from rapport.core import audit_views, jobs_views
from rapport.core.tables import LANGUAGES, NUMBER_SERIES

app_name = "core"

urlpatterns = [
    *NUMBER_SERIES.urls(),
    *LANGUAGES.urls(),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("jobs/", jobs_views.job_list, name="job_list"),
    path("jobs/<int:pk>/", jobs_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/cancel/", jobs_views.job_cancel, name="job_cancel"),
]
