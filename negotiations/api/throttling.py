"""Rate limits per anonymous IP and per user, read from the settings at each request.

DRF's classes copy the rates once at import; reading them per request lets
``API_THROTTLE_*`` (and tests' ``override_settings``) take effect.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class _SettingsRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonRateThrottle(_SettingsRate, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_SettingsRate, throttling.UserRateThrottle):
    pass
