from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from rapport.api import api
from rapport.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health", core_views.health, name="health"),
    path("language/", core_views.language_set, name="language_set"),
    path(
        "accounts/login/",
        login_not_required(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("rapport.accounts.urls")),
    path("contacts/", include("rapport.contacts.urls")),
    path("interactions/", include("rapport.interactions.urls")),
    path("campaigns/", include("rapport.campaigns.urls")),
    path("segments/", include("rapport.segments.urls")),
    path("mailbox/", include("rapport.mailbox.urls")),
    path("webhooks/", include("rapport.webhooks.urls")),
    path("documents/", include("rapport.documents.urls")),
    path("privacy/", include("rapport.privacy.urls")),
    path("core/", include("rapport.core.urls")),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    # Browsers that ask for /favicon.ico without reading the page's icon link.
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=static("rapport/favicon.svg"), permanent=True)),
    ),
    path("admin/", admin.site.urls),
]
