"""Template helpers of the newsroom's admin pages."""

from django import template

from negotiations.models import Revision

register = template.Library()


@register.simple_tag
def pending_revision_count():
    """How many journalists' changes of live entries wait for an editor."""
    return Revision.objects.filter(status=Revision.Status.PENDING).count()
