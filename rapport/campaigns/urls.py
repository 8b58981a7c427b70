from django.urls import path
from django.views.generic import RedirectView

from rapport.campaigns.tables import CAMPAIGN_STATUSES, CAMPAIGNS

app_name = "campaigns"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="campaigns:campaigns_list"), name="campaign_list"),
    *CAMPAIGNS.urls(),
    *CAMPAIGN_STATUSES.urls(),
]
