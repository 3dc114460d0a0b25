from django.urls import path

from generations.web import moderation as views
from generations.web import queues

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("queues/", queues.manage, name="queues"),
    path("views/", queues.save_view, name="save_view"),
    path("views/<int:view_id>/delete/", queues.delete_view, name="delete_view"),
    path("items/<str:item_id>/", views.item_detail, name="item"),
    path("items/<str:item_id>/claim/", views.claim_item, name="claim"),
    path("items/<str:item_id>/decide/", views.decide_item, name="decide"),
    path("items/<str:item_id>/ban/", views.ban_item, name="ban"),
    # Who may see the item (and who may unblur) is checked in front of these two views.
    path("items/<str:item_id>/unblur/", queues.unblur_guard(views.unblur_item), name="unblur"),
    path("items/<str:item_id>/media/<str:which>", queues.item_guard(views.item_media), name="media"),
]
