from django.http import HttpResponse


def bare(request):
    """The framework's floor: a Django view returning a constant."""
    return HttpResponse(b"ok", content_type="text/plain")
