"""Atom feeds: new entries per negotiation and per actor.

Feeds are shared and cached by feed readers, so they carry published entries only,
whoever asks. Newest recorded first (by id, which follows the order of recording and is
indexed), so an older event logged today still reaches subscribers; the latest
``FEED_SIZE`` only. Entry text is escaped: titles are plain text, summaries are HTML
rendered by the same templates as the pages. Items link to the entry's permalink.
"""

import dataclasses
import re

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from negotiations.caching.reader_http import (
    negotiation_for_reader,
    negotiation_validators,
    respond,
    site_validators,
)
from negotiations.models import Actor
from negotiations.reader.selectors.actors import actor_feed_entries
from negotiations.reader.selectors.queries import readable
from negotiations.reader.selectors.syndicated import recorded_last

FEED_SIZE = 50
_ROOT_RELATIVE = re.compile(r'(href|src)="/(?!/)')


def negotiation_entries(negotiation):
    """The entries of the negotiation's feed (``SyndicatedEntry``s, links relative)."""
    return recorded_last(readable(None).for_negotiation(negotiation), FEED_SIZE)


class EntryFeed(Feed):
    feed_type = Atom1Feed
    language = "en"

    def __call__(self, request, *args, **kwargs):
        return respond(
            request,
            lambda: super(EntryFeed, self).__call__(request, *args, **kwargs),
            validators=self.validators(request, *args, **kwargs),
            preview=False,
        )

    def entries(self, entries, subject):
        """The feed's entries (``SyndicatedEntry``s) with links absolute under the site
        root: a feed reader has no page to resolve them against."""
        root = f"{subject.site_root}/"
        return [
            dataclasses.replace(
                entry, html=_ROOT_RELATIVE.sub(lambda m: f'{m[1]}="{root}', entry.html)
            )
            for entry in entries
        ]

    def get_object(self, request, slug):
        """The feed's subject (``subject``), read once per request (the validators ask
        first), with the site root: the feed object is shared by every request, so the
        root travels with the subject to the items."""
        if getattr(request, "feed_subject", None) is None:
            subject = self.subject(request, slug)
            subject.site_root = (
                f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
            )
            request.feed_subject = subject
        return request.feed_subject

    def item_title(self, entry):
        return entry.title

    def item_description(self, entry):
        return entry.html

    def item_link(self, entry):
        return entry.link

    def item_guid(self, entry):
        return f"tag:parley,2025:entry-{entry.pk}"

    def item_guid_is_permalink(self, entry):
        return False

    def item_pubdate(self, entry):
        return entry.appeared

    def item_updateddate(self, entry):
        return entry.updated

    def item_author_name(self, entry):
        return entry.authors or None

    def item_categories(self, entry):
        return [entry.kind]


class NegotiationFeed(EntryFeed):
    def validators(self, request, slug):
        return negotiation_validators(self.get_object(request, slug), request)

    def subject(self, request, slug):
        return negotiation_for_reader(request, slug)

    def title(self, negotiation):
        return f"{negotiation.title} — Parley"

    def subtitle(self, negotiation):
        return negotiation.summary or f"New entries in the record of {negotiation.title}."

    def link(self, negotiation):
        return negotiation.get_absolute_url()

    def feed_url(self, negotiation):
        return reverse("negotiations:feed", kwargs={"slug": negotiation.slug})

    def feed_guid(self, negotiation):
        return f"tag:parley,2025:negotiation-{negotiation.pk}"

    def author_name(self, negotiation):
        return "Parley"

    def items(self, negotiation):
        return self.entries(negotiation_entries(negotiation), negotiation)


class ActorFeed(EntryFeed):
    def validators(self, request, slug):
        return site_validators(request, self.get_object(request, slug).updated_at)

    def subject(self, request, slug):
        return get_object_or_404(Actor, slug=slug)

    def title(self, actor):
        return f"{actor.name} — Parley"

    def subtitle(self, actor):
        return f"What {actor.name} said, proposed and expects, and what happened with them."

    def link(self, actor):
        return actor.get_absolute_url()

    def feed_url(self, actor):
        return reverse("negotiations:actor_feed", kwargs={"slug": actor.slug})

    def feed_guid(self, actor):
        return f"tag:parley,2025:actor-{actor.pk}"

    def author_name(self, actor):
        return "Parley"

    def items(self, actor):
        return self.entries(actor_feed_entries(actor, FEED_SIZE), actor)
