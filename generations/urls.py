from django.urls import path

from . import moderation_views, views, webhook_views

app_name = "generations"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("generations/", views.history, name="history"),
    path("webhooks/", webhook_views.webhooks_page, name="webhooks"),
    path("webhooks/new/", webhook_views.create_endpoint, name="webhook_create"),
    path("webhooks/<str:endpoint_id>/stop/", webhook_views.disable_endpoint, name="webhook_disable"),
    path("webhooks/deliveries/<str:delivery_id>/redeliver/", webhook_views.redeliver_delivery, name="webhook_redeliver"),
    path("generations/new/", views.create, name="create"),
    path("generations/new/image/", views.create_from_image, name="create_from_image"),
    path("generations/check/", views.check_prompt, name="check_prompt"),
    path("generations/<str:generation_id>/", views.detail, name="detail"),
    path("generations/<str:generation_id>/status.json", views.status, name="status"),
    path("generations/<str:generation_id>/cancel/", views.cancel, name="cancel"),
    path("generations/<str:generation_id>/appeal/", moderation_views.appeal, name="appeal"),
    path("generations/<str:generation_id>/video.mp4", views.video, name="video"),
    path("generations/<str:generation_id>/poster.jpg", views.poster, name="poster"),
    path("generations/<str:generation_id>/input-<str:which>", views.input_image, name="input_image"),
]
