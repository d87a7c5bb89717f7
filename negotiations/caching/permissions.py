"""Django's ``ModelBackend`` with each user's permissions kept in the shared cache under
the roles token (``tokens.ROLES``), which a change of a user's roles or of a role's
permissions takes away (``negotiations/signals.py``): "may preview" (``has_perm``) then
costs a signed-in request one cache read instead of two queries. Whether the user is
active, staff or a superuser is read with the user, on every request, as before.
"""

import functools

from django.contrib.auth.backends import ModelBackend

from negotiations.caching.fragments import get_or_build
from negotiations.caching.tokens import ROLES, TOKEN_SECONDS


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "parley_permissions"):  # asked again in the same request
            token = ROLES.current()
            read = functools.partial(super().get_all_permissions, user_obj)
            key = f"parley:permissions:{user_obj.pk}:{token}"
            user_obj.parley_permissions = (
                read() if token is None else get_or_build(key, read, TOKEN_SECONDS)
            )
        return user_obj.parley_permissions
