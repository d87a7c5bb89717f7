"""The admin's "From an article" (``/admin/negotiations/entry/from-article/``): paste or
upload a story, review what Parley proposes, accept what you keep as drafts."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from negotiations.extraction import service
from negotiations.extraction.api import ExtractionThrottle
from negotiations.extraction.forms import ArticleForm, Review, initial_rows
from negotiations.extraction.text import InputError
from negotiations.models import user_may_preview

PASTE_TEMPLATE = "admin/negotiations/extraction_paste.html"
REVIEW_TEMPLATE = "admin/negotiations/extraction_review.html"


def _context(request, admin_site, opts, title, **extra):
    return {**admin_site.each_context(request), "title": title, "opts": opts, **extra}


def from_article(request, *, admin_site, opts):
    user = request.user
    if not (user_may_preview(user) and user.has_perm("negotiations.add_statement")):
        raise PermissionDenied
    if request.method == "POST" and "review" in request.POST:
        return _review(request, admin_site, opts)
    form = ArticleForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        throttle = ExtractionThrottle()
        if not throttle.allow_request(request, None):
            form.add_error(
                None, f"Too many articles in a minute: try again in {int(throttle.wait()) + 1} s."
            )
            status = 429
        else:
            data = form.cleaned_data
            try:
                answer = service.suggest(
                    negotiation=data["negotiation"],
                    published=data["published"],
                    **{"html" if data["is_html"] else "text": data["content"]},
                )
            except InputError as error:
                field = "upload" if data.get("upload") else "text"
                form.add_error(field, error.message)
            else:
                names = ("negotiation", "url", "title", "publisher", "published")
                article = {name: data[name] for name in names}
                article["dates"] = json.dumps(answer["dates"])
                review = Review(initial_article=article, rows=initial_rows(answer))
                return _render_review(request, admin_site, opts, review, answer=answer)
    context = _context(request, admin_site, opts, "From an article", form=form)
    return TemplateResponse(request, PASTE_TEMPLATE, context, status=status)


def _render_review(request, admin_site, opts, review, *, answer=None, status=200):
    context = _context(
        request,
        admin_site,
        opts,
        "Review the suggestions",
        review=review,
        article=review.article,
        dates=answer["dates"] if answer else review.article.found_dates(),
        formsets=review.formsets,
    )
    return TemplateResponse(request, REVIEW_TEMPLATE, context, status=status)


def _review(request, admin_site, opts):
    data = request.POST
    if "accept_all" in data:
        data = Review(data).accept_everything()
    review = Review(data)
    if not review.is_valid():
        return _render_review(request, admin_site, opts, review, status=400)
    groups, forms_of = review.accepted()
    if not any(groups.values()):
        messages.warning(request, "Nothing was accepted, so nothing was saved.")
        return _render_review(request, admin_site, opts, review)
    article = review.article.cleaned_data
    try:
        accepted = service.accept(
            negotiation=article["negotiation"],
            article=service.Article(
                url=article["url"],
                title=article["title"],
                publisher=article["publisher"],
                published=article["published"],
            ),
            by=request.user,
            state=article["state"],
            **groups,
        )
    except service.RefusedSuggestions as refused:
        for key, errors in refused.errors.items():
            form = forms_of[key]
            for field, messages_ in errors.items():
                form.add_error(field if field in form.fields else None, messages_)
        messages.error(request, "Some suggestions were refused (see below): nothing was saved.")
        return _render_review(request, admin_site, opts, review, status=400)
    except PermissionDenied as error:
        messages.error(request, f"Nothing was saved. {error}")
        return _render_review(request, admin_site, opts, review, status=403)
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (
                reverse(f"admin:negotiations_{entry._meta.model_name}_change", args=[entry.pk]),
                entry.headline,
            )
            for entry in accepted.entries
        ),
    )
    messages.success(
        request,
        format_html(
            "{} {} citing “{}”: {}.",
            len(accepted.entries),
            "drafts" if article["state"] == "draft" else "entries ready for review",
            accepted.source,
            links,
        ),
    )
    url = reverse("admin:negotiations_entry_changelist")
    return redirect(
        f"{url}?negotiation__id__exact={article['negotiation'].pk}&publication={article['state']}"
    )
