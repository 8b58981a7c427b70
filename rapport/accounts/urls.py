from django.urls import path

from rapport.accounts import views
from rapport.accounts.tables import SALESPEOPLE

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/language/", views.profile_language, name="profile_language"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_card, name="user_new"),
    path("users/<str:username>/", views.user_card, name="user_card"),
    *SALESPEOPLE.urls(),
]
