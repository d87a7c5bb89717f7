"""Settings package: ``base`` holds what every environment shares.

``development`` is the default (see ``manage.py``), ``test`` serves pytest and
``production`` serves gunicorn. Everything that differs between machines comes
from the environment.
"""
