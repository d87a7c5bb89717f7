from django.urls import path
from rest_framework import routers

from following.api import WebhookViewSet
from negotiations.api import views
from negotiations.extraction import api as extraction

app_name = "api"


class Router(routers.DefaultRouter):
    APIRootView = views.RootView


router = Router()
router.register("actors", views.ActorViewSet, basename="actor")
router.register("negotiations", views.NegotiationViewSet, basename="negotiation")
router.register("sources", views.SourceViewSet, basename="source")
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("status-changes", views.StatusChangeViewSet, basename="status-change")
router.register("statements", views.StatementViewSet, basename="statement")
router.register("events", views.EventViewSet, basename="event")
router.register("expectations", views.ExpectationViewSet, basename="expectation")
router.register("changes", views.ChangeViewSet, basename="change")
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", views.RedocView.as_view(url_name="api:schema"), name="redoc"),
    path("extractions/", extraction.ExtractionView.as_view(), name="extraction"),
    path("extractions/accept/", extraction.AcceptView.as_view(), name="extraction-accept"),
    *router.urls,
]
