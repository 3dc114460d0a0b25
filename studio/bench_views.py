from django.http import JsonResponse


def bare(request):
    """The baseline for `bench api`: a Django JSON view doing no work, behind the same middleware."""
    return JsonResponse({"ok": True})
