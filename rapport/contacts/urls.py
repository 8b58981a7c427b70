from django.urls import path

from rapport.contacts import import_views, views
from rapport.contacts.tables import BUSINESS_RELATIONS

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="contact_list"),
    path("new/", views.contact_new, name="contact_new"),
    path("export/", import_views.contact_export, name="contact_export"),
    path("import/", import_views.contact_import, name="contact_import"),
    path("setup/", views.setup, name="setup"),
    *BUSINESS_RELATIONS.urls(),
    path("<str:no>/", views.contact_detail, name="contact_detail"),
    path("<str:no>/edit/", views.contact_edit, name="contact_edit"),
    path("<str:no>/delete/", views.contact_delete, name="contact_delete"),
    path("<str:no>/relations/", views.contact_relation_add, name="contact_relation_add"),
    path(
        "<str:no>/relations/<int:pk>/delete/",
        views.contact_relation_delete,
        name="contact_relation_delete",
    ),
    path("<str:no>/alt-addresses/new/", views.contact_alt_address_new, name="alt_address_new"),
    path(
        "<str:no>/alt-addresses/<str:code>/edit/",
        views.contact_alt_address_edit,
        name="alt_address_edit",
    ),
    path(
        "<str:no>/alt-addresses/<str:code>/delete/",
        views.contact_alt_address_delete,
        name="alt_address_delete",
    ),
]
