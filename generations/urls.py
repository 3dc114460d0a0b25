from django.urls import path

from . import views

app_name = "generations"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("generations/", views.history, name="history"),
    path("generations/new/", views.create, name="create"),
    path("generations/new/image/", views.create_from_image, name="create_from_image"),
    path("generations/<str:generation_id>/", views.detail, name="detail"),
    path("generations/<str:generation_id>/status.json", views.status, name="status"),
    path("generations/<str:generation_id>/cancel/", views.cancel, name="cancel"),
    path("generations/<str:generation_id>/video.mp4", views.video, name="video"),
    path("generations/<str:generation_id>/poster.jpg", views.poster, name="poster"),
    path("generations/<str:generation_id>/input-<str:which>", views.input_image, name="input_image"),
]
