from django.urls import path

from generations.web import child_safety, quality, wellness
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
    path("qa/", quality.second_reviews, name="qa"),
    path("qa/disagreements/", quality.disagreements, name="qa-disagreements"),
    path("qa/<str:qa_id>/", quality.second_review, name="qa-review"),
    path("items/<str:item_id>/confirm-csam/", child_safety.confirm, name="confirm-csam"),
    path("child-safety/", child_safety.reports, name="child-safety"),
    path("child-safety/<str:report_id>/", child_safety.report, name="child-safety-report"),
    path("child-safety/<str:report_id>/draft.json", child_safety.download, name="child-safety-download"),
    path("items/<str:item_id>/exposure/", wellness.heartbeat, name="exposure-heartbeat"),
    path("wellness/", wellness.preferences, name="wellness"),
    path("wellness/organisation/", wellness.organisation_defaults, name="wellness-org"),
    path("wellness/exposure/", wellness.exposure, name="wellness-exposure"),
]
