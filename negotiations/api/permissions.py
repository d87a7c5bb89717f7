from rest_framework import permissions


class ModelPermissionsOrReadOnly(permissions.DjangoModelPermissions):
    """Anyone may read (the querysets narrow anonymous readers to published records);
    writes need the role's model permission: add for POST, change for PUT/PATCH,
    delete for DELETE (Journalists add and change, Editors also delete).
    """

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view)
