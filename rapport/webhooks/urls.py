from django.urls import path

from rapport.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.subscriber_list, name="subscriber_list"),
    path("new/", views.subscriber_new, name="subscriber_new"),
    path("<int:pk>/", views.subscriber_detail, name="subscriber_detail"),
    path("<int:pk>/delete/", views.subscriber_delete, name="subscriber_delete"),
    path(
        "<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        views.delivery_redeliver,
        name="delivery_redeliver",
    ),
]
