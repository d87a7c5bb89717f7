from django.db import connections

from .cache import bypass


class QueryCountMiddleware:
    """Report the number of SQL queries a request made in an ``X-Queries`` header (bench only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        wrappers = [connection.execute_wrapper(counter) for connection in connections.all()]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        response["X-Queries"] = str(count)
        return response


class BypassCacheMiddleware:
    """``X-Bench-Bypass-Cache: 1``, ``unbuilt`` or ``all``: what the cache
    may not answer in this request (``bench.cache``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = bypass.set(request.headers.get("X-Bench-Bypass-Cache", ""))
        try:
            return self.get_response(request)
        finally:
            bypass.reset(token)
