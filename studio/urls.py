from django.contrib import admin
from django.urls import include, path

from generations.api import api
from generations.callbacks import provider_callback

from .health import healthz

admin.site.site_header = "Studio administration"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("providers/callback/<str:generation_id>/<str:token>", provider_callback, name="provider-callback"),
    path("accounts/", include("accounts.urls")),
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("", include("generations.urls")),
]
