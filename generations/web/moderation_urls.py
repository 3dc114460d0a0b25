from django.urls import path

from generations.web import child_safety, quality, queues, wellness
from generations.web import moderation as views

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
    path("qa/", quality.second_reviews, name="qa"),
    path("qa/disagreements/", quality.disagreements, name="qa-disagreements"),
    path("qa/<str:qa_id>/", quality.second_review, name="qa-review"),
    path("items/<str:item_id>/confirm-csam/", child_safety.confirm, name="confirm-csam"),
    path("child-safety/", child_safety.reports, name="child-safety"),
    path("child-safety/<str:report_id>/", child_safety.report, name="child-safety-report"),
    path("child-safety/<str:report_id>/draft.json", child_safety.download, name="child-safety-download"),
    path("items/<str:item_id>/exposure/", queues.item_guard(wellness.heartbeat), name="exposure-heartbeat"),
    path("wellness/", wellness.preferences, name="wellness"),
    path("wellness/organisation/", wellness.organisation_defaults, name="wellness-org"),
    path("wellness/exposure/", wellness.exposure, name="wellness-exposure"),
]
