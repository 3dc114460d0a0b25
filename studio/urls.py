from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from generations.api import kling
from generations.api.callbacks import provider_callback
from generations.api.native import api
from generations.catalog import (
    AVATAR,
    IMAGE_EXPAND,
    IMAGE_GENERATION,
    MULTI_IMAGE2IMAGE,
    OMNI_IMAGE,
    TEXT_TO_AUDIO,
    VIDEO_TO_AUDIO,
)
from generations.web import elements as element_views
from generations.web import provenance as provenance_views
from generations.web import reports as report_views
from generations.web import takedown as takedown_views
from generations.web.usage import usage
from studio.health import healthz
from studio.metrics import metrics
from studio.site_pages import favicon

admin.site.site_header = "Studio administration"

# The error pages in the site's own layout (studio/site_pages.py).
handler400 = "studio.site_pages.bad_request"
handler403 = "studio.site_pages.permission_denied"
handler404 = "studio.site_pages.page_not_found"
handler500 = "studio.site_pages.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
    path("api/v1/", api.urls),
    # The avatar's route has two segments, which <str:kind> does not match: named before the generic ones.
    path("kling/v1/videos/avatar/image2video", kling.tasks, {"kind": AVATAR}, name="kling-avatar-tasks"),
    path("kling/v1/videos/avatar/image2video/<str:task_id>", kling.task_detail, {"kind": AVATAR}, name="kling-avatar-task"),
    path("kling/v1/images/generations", kling.tasks, {"kind": IMAGE_GENERATION}, name="kling-image-tasks"),
    path("kling/v1/images/generations/<str:task_id>", kling.task_detail, {"kind": IMAGE_GENERATION}, name="kling-image-task"),
    path("kling/v1/images/editing/expand", kling.tasks, {"kind": IMAGE_EXPAND}, name="kling-expand-tasks"),
    path("kling/v1/images/editing/expand/<str:task_id>", kling.task_detail, {"kind": IMAGE_EXPAND}, name="kling-expand-task"),
    path("kling/v1/images/omni-image", kling.tasks, {"kind": OMNI_IMAGE}, name="kling-omni-image-tasks"),
    path("kling/v1/images/omni-image/<str:task_id>", kling.task_detail, {"kind": OMNI_IMAGE}, name="kling-omni-image-task"),
    path("kling/v1/images/multi-image2image", kling.tasks, {"kind": MULTI_IMAGE2IMAGE}, name="kling-multi-image-tasks"),
    path("kling/v1/images/multi-image2image/<str:task_id>", kling.task_detail, {"kind": MULTI_IMAGE2IMAGE},
         name="kling-multi-image-task"),
    path("kling/v1/audio/text-to-audio", kling.tasks, {"kind": TEXT_TO_AUDIO}, name="kling-text-to-audio-tasks"),
    path("kling/v1/audio/text-to-audio/<str:task_id>", kling.task_detail, {"kind": TEXT_TO_AUDIO}, name="kling-text-to-audio-task"),
    path("kling/v1/audio/video-to-audio", kling.tasks, {"kind": VIDEO_TO_AUDIO}, name="kling-video-to-audio-tasks"),
    path("kling/v1/audio/video-to-audio/<str:task_id>", kling.task_detail, {"kind": VIDEO_TO_AUDIO},
         name="kling-video-to-audio-task"),
    re_path(r"^kling/v1/videos/multi-elements/(?P<action>init|add|delete|clear|preview)-selection$", kling.selection,
            name="kling-selection"),
    path("kling/v1/videos/<str:kind>", kling.tasks, name="kling-tasks"),
    path("kling/v1/videos/<str:kind>/<str:task_id>", kling.task_detail, name="kling-task"),
    path("kling/v1/files/<str:asset_id>", kling.signed_file, name="kling-file"),
    path("kling/v1/general/advanced-custom-elements", kling.elements, name="kling-elements"),
    path("kling/v1/general/advanced-custom-elements/<str:task_id>", kling.element_detail, name="kling-element"),
    path("kling/v1/general/advanced-presets-elements", kling.preset_elements, name="kling-preset-elements"),
    path("kling/v1/general/delete-elements", kling.delete_elements, name="kling-delete-elements"),
    path("kling/v1/element-files/<str:task_id>/<int:position>", kling.element_file, name="kling-element-file"),
    # Official path is /account/costs (outside /v1); some SDKs put it under their /v1 base.
    path("kling/account/costs", kling.account_costs, name="kling-account-costs"),
    path("kling/v1/account/costs", kling.account_costs),
    re_path(r"^kling/(?P<rest>.*)$", kling.unknown_path, name="kling-unknown"),
    path("providers/callback/<str:generation_id>/<str:token>", provider_callback, name="provider-callback"),
    # The usage page sits under /accounts/ with the other team pages, but reads generations, so its view is
    # generations' (accounts imports nothing of generations).
    path("accounts/usage/", usage, name="usage"),
    # Provenance pages are for anyone (third parties included), so they sit outside the portal's namespace.
    path("provenance/", provenance_views.about_page, name="provenance-about"),
    path("provenance/check/", provenance_views.check_page, name="provenance-check"),
    path("provenance/ca.pem", provenance_views.ca_certificate, name="provenance-ca"),
    path(".well-known/studio-provenance-ca.pem", provenance_views.ca_certificate, name="provenance-ca-well-known"),
    # Takedown requests come from anyone (no account), like the provenance pages; their queue is the moderators'.
    path("takedown/", takedown_views.request_page, name="takedown-request"),
    path("moderation/elements/", element_views.held_elements, name="moderation-elements"),
    path("moderation/elements/<str:element_id>/decide/", element_views.decide_element, name="moderation-element-decide"),
    path("moderation/elements/<str:element_id>/images/<int:position>", element_views.held_element_image,
         name="moderation-element-image"),
    path("moderation/takedowns/", takedown_views.queue, name="moderation-takedowns"),
    path("moderation/takedowns/<str:takedown_id>/", takedown_views.detail, name="moderation-takedown"),
    path("moderation/takedowns/<str:takedown_id>/decide/", takedown_views.decide, name="moderation-takedown-decide"),
    # What the policy is and how it was applied: public, like the provenance pages; the decision log is staff's.
    path("policy/", report_views.policy_page, name="policy"),
    path("transparency/", report_views.transparency_page, name="transparency"),
    path("moderation/decisions.csv", report_views.decision_log, {"fmt": "csv"}, name="moderation-decisions-csv"),
    path("moderation/decisions.jsonl", report_views.decision_log, {"fmt": "jsonl"}, name="moderation-decisions-jsonl"),
    path("accounts/", include("accounts.urls")),
    path("moderation/", include("generations.web.moderation_urls")),
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("", include("generations.web.urls")),
]

if settings.BENCH_VIEWS:
    from studio.bench_views import bare

    urlpatterns.append(path("bench/bare", bare))
