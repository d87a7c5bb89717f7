from django.shortcuts import get_object_or_404, render

from .models import Actor, Entry, Negotiation


def home(request):
    return render(request, "negotiations/home.html", {"negotiations": Negotiation.objects.all()})


def timeline(request, slug):
    negotiation = get_object_or_404(Negotiation, slug=slug)
    entries = Entry.objects.visible_to(request.user).for_negotiation(negotiation).timeline()
    return render(
        request, "negotiations/timeline.html", {"negotiation": negotiation, "entries": entries}
    )


def actor(request, slug):
    return render(
        request, "negotiations/actor.html", {"actor": get_object_or_404(Actor, slug=slug)}
    )
