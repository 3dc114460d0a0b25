from django.urls import path

from generations.web import elements as element_views
from generations.web import gallery as gallery_views
from generations.web import generations as views
from generations.web import moderation as moderation_views
from generations.web import webhooks as webhook_views

app_name = "generations"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("generations/", views.history, name="history"),
    path("webhooks/", webhook_views.webhooks_page, name="webhooks"),
    path("webhooks/new/", webhook_views.create_endpoint, name="webhook_create"),
    path("webhooks/<str:endpoint_id>/stop/", webhook_views.disable_endpoint, name="webhook_disable"),
    path("webhooks/<str:endpoint_id>/test/", webhook_views.send_test_event, name="webhook_test"),
    path("webhooks/deliveries/<str:delivery_id>/redeliver/", webhook_views.redeliver_delivery, name="webhook_redeliver"),
    path("generations/new/", views.create, name="create"),
    path("generations/new/image/", views.create_from_image, name="create_from_image"),
    path("generations/new/images/", views.create_from_images, name="create_from_images"),
    path("generations/new/effect/", views.create_effect, name="create_effect"),
    path("generations/new/avatar/", views.create_avatar, name="create_avatar"),
    path("generations/new/omni/", views.create_omni_video, name="create_omni_video"),
    path("generations/new/motion/", views.create_motion_control, name="create_motion_control"),
    path("generations/new/edit/", views.create_edit_clip, name="create_edit_clip"),
    path("generations/new/still/", views.create_image_generation, name="create_image_generation"),
    path("generations/new/still/expand/", views.create_image_expand, name="create_image_expand"),
    path("generations/new/still/omni/", views.create_omni_image, name="create_omni_image"),
    path("generations/new/still/subjects/", views.create_multi_image2image, name="create_multi_image2image"),
    path("generations/new/sound/", views.create_sound, name="create_sound"),
    path("generations/new/clip-sound/", views.create_clip_sound, name="create_clip_sound"),
    path("generations/new/kept/<str:token>", views.kept_upload, name="kept_upload"),
    path("gallery/", gallery_views.gallery_page, name="gallery"),
    path("gallery/<str:item_id>/unshare/", gallery_views.unshare, name="gallery_unshare"),
    path("gallery/<str:item_id>/like/", gallery_views.like, name="gallery_like"),
    path("gallery/<str:item_id>/report/", gallery_views.report, name="gallery_report"),
    path("elements/", element_views.elements_page, name="elements"),
    path("elements/<str:element_id>/delete/", element_views.delete_element, name="element_delete"),
    path("elements/<str:element_id>/images/<int:position>", element_views.element_image, name="element_image"),
    path("consent/", gallery_views.consent_page, name="consent"),
    path("consent/<str:record_id>/revoke/", gallery_views.revoke_consent, name="consent_revoke"),
    path("generations/check/", views.check_prompt, name="check_prompt"),
    path("generations/<str:generation_id>/", views.detail, name="detail"),
    path("generations/<str:generation_id>/status.json", views.status, name="status"),
    path("generations/<str:generation_id>/cancel/", views.cancel, name="cancel"),
    path("generations/<str:generation_id>/withdraw/", views.withdraw, name="withdraw"),
    path("generations/<str:generation_id>/context/", views.add_context, name="add_context"),
    path("generations/<str:generation_id>/extend/", views.extend, name="extend"),
    path("generations/<str:generation_id>/lip-sync/", views.lip_sync, name="lip_sync"),
    path("generations/<str:generation_id>/share/", gallery_views.share, name="share"),
    path("generations/<str:generation_id>/appeal/", moderation_views.appeal, name="appeal"),
    path("generations/<str:generation_id>/video.mp4", views.video, name="video"),
    path("generations/<str:generation_id>/poster.jpg", views.poster, name="poster"),
    path("generations/<str:generation_id>/images/<int:index>.png", views.image, name="image"),
    path("generations/<str:generation_id>/sound.mp3", views.audio, name="audio"),
    path("generations/<str:generation_id>/input-<str:which>", views.input_image, name="input_image"),
]
