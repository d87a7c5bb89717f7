import io

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from negotiations.api.exceptions import PayloadTooLarge


class JSONParser(parsers.JSONParser):
    """DRF's strict JSON parser that refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (413).

    DRF reads the raw stream, bypassing Django's own size check, so the limit is
    applied here whatever the Content-Length says.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            # json gives up on deep nesting with RecursionError, not ValueError.
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
