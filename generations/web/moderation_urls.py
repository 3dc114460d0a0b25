from django.urls import path

from generations.web import moderation as views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<str:item_id>/", views.item_detail, name="item"),
    path("items/<str:item_id>/claim/", views.claim_item, name="claim"),
    path("items/<str:item_id>/decide/", views.decide_item, name="decide"),
    path("items/<str:item_id>/ban/", views.ban_item, name="ban"),
    path("items/<str:item_id>/unblur/", views.unblur_item, name="unblur"),
    path("items/<str:item_id>/media/<str:which>", views.item_media, name="media"),
]
