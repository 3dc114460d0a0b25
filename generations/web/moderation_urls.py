from django.urls import path

from generations.web import moderation as views
from generations.web import wellness

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<str:item_id>/", views.item_detail, name="item"),
    path("items/<str:item_id>/claim/", views.claim_item, name="claim"),
    path("items/<str:item_id>/decide/", views.decide_item, name="decide"),
    path("items/<str:item_id>/ban/", views.ban_item, name="ban"),
    path("items/<str:item_id>/unblur/", views.unblur_item, name="unblur"),
    path("items/<str:item_id>/media/<str:which>", views.item_media, name="media"),
    path("items/<str:item_id>/exposure/", wellness.heartbeat, name="exposure-heartbeat"),
    path("wellness/", wellness.preferences, name="wellness"),
    path("wellness/organisation/", wellness.organisation_defaults, name="wellness-org"),
    path("wellness/exposure/", wellness.exposure, name="wellness-exposure"),
]
