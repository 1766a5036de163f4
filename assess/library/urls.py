"""The organization's question library, under /org/<slug>/library/."""

from django.urls import path

from assess.orgs.urls import ORG

from . import views

LIBRARY = ORG + "library/"

urlpatterns = [
    path(LIBRARY, views.library, name="library"),
    path(LIBRARY + "new/", views.item_new, name="library_new"),
    path(LIBRARY + "export/", views.export, name="library_export"),
    path(LIBRARY + "import/", views.import_file, name="library_import"),
    path(LIBRARY + "settings/", views.settings, name="library_settings"),
    path(LIBRARY + "topics/", views.topics, name="library_topics"),
    path(LIBRARY + "topics/<int:topic_id>/", views.topic_change, name="library_topic"),
    path(LIBRARY + "<int:item_id>/", views.item_page, name="library_item"),
    path(LIBRARY + "<int:item_id>/submit/", views.item_submit, name="library_submit"),
    path(LIBRARY + "<int:item_id>/publish/", views.item_publish, name="library_publish"),
    path(LIBRARY + "<int:item_id>/retire/", views.item_retire, name="library_retire"),
    path(LIBRARY + "<int:item_id>/restore/", views.item_restore, name="library_restore"),
]
