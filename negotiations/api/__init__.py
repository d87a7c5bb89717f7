"""The REST API v1 at /api/v1/: the whole record, readable by anyone, writable by the newsroom.

Views and serializers translate between JSON and the models; every write goes
through ``negotiations.domain`` and every read starts from the models' visibility
rule, so the API adds no rule of its own.
"""
