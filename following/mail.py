"""The mails of following, composed from templates and sent through Django's email
system (``EMAIL_*`` settings: the console in development, SMTP in production, or a
django-anymail backend)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from . import domain


def _links(subscriber):
    token = domain.manage_token(subscriber)
    return {
        "manage_url": domain.site_url(reverse("following:manage", args=[token])),
        "unsubscribe_url": domain.site_url(reverse("following:unsubscribe", args=[token])),
    }


def _message(subscriber, subject, template, context):
    links = _links(subscriber)
    body = render_to_string(template, {**context, **links})
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscriber.email],
        headers={
            # RFC 8058 one-click unsubscribe: the mail client POSTs to this https link.
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def confirmation(subscriber, follows):
    url = domain.site_url(
        reverse("following:confirm", args=[domain.confirmation_token(subscriber)])
    )
    body = render_to_string(
        "following/mail/confirm.txt",
        {"follows": follows, "confirm_url": url, "hours": domain.UNCONFIRMED_LIFETIME.days * 24},
    )
    return EmailMultiAlternatives(
        subject="Confirm what you follow on Parley",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscriber.email],
    )


def alert(subscriber, item):
    """One event, at once: ``item`` has ``sentence`` and ``link``."""
    return _message(subscriber, item["sentence"][:150], "following/mail/alert.txt", {"item": item})


def digest(subscriber, groups):
    """The day's events grouped by negotiation: [(negotiation title, [item, …]), …]."""
    count = sum(len(items) for _, items in groups)
    subject = f"Parley: {count} new in {', '.join(title for title, _ in groups)}"[:150]
    return _message(subscriber, subject, "following/mail/digest.txt", {"groups": groups})


def endpoint_disabled(endpoint, address):
    body = render_to_string("following/mail/endpoint_disabled.txt", {"endpoint": endpoint})
    return EmailMultiAlternatives(
        subject="Parley: a webhook endpoint was disabled",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
