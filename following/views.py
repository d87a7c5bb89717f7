"""The follow pages: sign up, confirm, manage, unsubscribe.

None of them carries a CSRF token, and the reader pages that post here stay storable
by an edge cache: no session or cookie is involved anywhere. Signing up only ever
writes an unconfirmed request and mails a confirmation (throttled, one mail an hour per
address); the other pages act on a signed token in their address, which is the
credential a forged cross-site request would lack. A GET never changes anything (mail
scanners open links): each page shows a button that POSTs. Every answer here is
private and never stored.
"""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from tracker.security import client_ip

from . import domain, throttles
from .forms import FollowForm, ManageForm
from .models import Frequency


@csrf_exempt
@never_cache
@require_POST
def follow(request):
    form = FollowForm(request.POST)
    if not form.is_valid():
        return render(request, "following/follow.html", {"form": form}, status=400)
    data = form.cleaned_data
    if not throttles.allow_signup(client_ip(request), data["email"]):
        response = render(request, "following/throttled.html", status=429)
        response["Retry-After"] = str(throttles.WINDOW)
        return response
    domain.request_follow(
        email=data["email"],
        frequency=data["frequency"],
        time_zone=data["time_zone"],
        filters=data["filters"],
        **data["target"],
    )
    # The same answer whether or not the address already follows it.
    return render(request, "following/check_inbox.html", {"email": data["email"]})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    subscriber = domain.subscriber_to_confirm(token)
    if subscriber is None:
        return render(request, "following/bad_link.html", status=400)
    if request.method == "POST":
        count = domain.confirm(subscriber)
        return render(
            request,
            "following/confirmed.html",
            {"count": count, "token": domain.manage_token(subscriber)},
        )
    follows = subscriber.follows.unconfirmed().select_related("negotiation", "actor", "proposal")
    return render(request, "following/confirm.html", {"follows": follows})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token):
    subscriber = domain.subscriber_of_manage_token(token)
    if subscriber is None:
        return render(request, "following/bad_link.html", status=400)
    form = ManageForm()
    status = 200
    if request.method == "POST":
        form = ManageForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data["action"] == "stop" and data["follow"]:
                domain.stop_follow(subscriber, data["follow"])
            elif data["action"] == "frequency" and data["follow"] and data["frequency"]:
                domain.change_follow(subscriber, data["follow"], frequency=data["frequency"])
            elif data["action"] == "timezone" and data["time_zone"]:
                domain.change_timezone(subscriber, data["time_zone"])
        else:
            status = 400
    follows = subscriber.follows.confirmed().select_related("negotiation", "actor", "proposal")
    return render(
        request,
        "following/manage.html",
        {
            "subscriber": subscriber,
            "follows": follows,
            "form": form,
            "frequencies": Frequency.choices,
            "unsubscribe_token": token,
        },
        status=status,
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """RFC 8058: a POST (``List-Unsubscribe=One-Click``, from the mail client or the
    page's button) stops every follow of the address; a GET only shows the button."""
    subscriber = domain.subscriber_of_manage_token(token)
    if request.method == "POST":
        if subscriber is not None:
            domain.stop_all(subscriber)
        return render(request, "following/unsubscribed.html")
    if subscriber is None:
        return render(request, "following/unsubscribed.html")
    return render(request, "following/unsubscribe.html", {"token": token})
