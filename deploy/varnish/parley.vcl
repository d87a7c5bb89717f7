# Parley's edge: Varnish in front of the app servers (README "Scaling out").
#
#   varnishd -a 127.0.0.1:6081 -f /path/to/parley.vcl -p vcl_path=/etc/parley:/path/to/deploy/varnish
#
# backends.vcl (first found on vcl_path) names the app servers and puts them in the director
# `app`; deploy/varnish/backends.vcl is the example for two. Needs Debian's varnish (7.x) and
# varnish-modules (vmod xkey).
#
# - Stores anonymous GETs and HEADs of what the app marked for readers (an xkey header:
#   negotiations/caching/edge.py) and the static files; anything with a session or CSRF cookie, an
#   Authorization header, every other method and the admin go to an app server untouched,
#   and nothing marked private or no-store is ever stored.
# - A PURGE from 127.0.0.1 with `xkey-softpurge: <keys>` soft-purges what carries those keys
#   (the app's purge task, EDGE_PURGE_URLS): the copies expire at once but are kept (grace and
#   keep), to revalidate against and to serve when no app server can answer.
# - While an app server answers, a purged or expired copy is served only while one
#   background fetch brings the fresh one (2 s at most: nobody queues behind a fetch, and
#   the fresh copy is there tens of milliseconds after the purge). When none answers (both
#   down, or their database: /readyz fails), or one answers 5xx, readers get the last copy,
#   up to a day old (stale-if-error).
# - TLS ends in front of the edge: the edge tells the app the request came over https
#   (X-Forwarded-Proto, overwritten: a client cannot make it store an http variant).
vcl 4.1;

import std;
import xkey;

include "backends.vcl";

acl purgers {
    "127.0.0.1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-softpurge) {
            set req.http.n-gone = xkey.softpurge(req.http.xkey-softpurge);
        } elsif (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        } else {
            return (synth(400, "Name the keys in xkey-softpurge or xkey-purge"));
        }
        return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
    }

    set req.backend_hint = app.backend();
    set req.http.X-Forwarded-Proto = "https";

    if (req.http.X-Parley-Stale) {
        # Restarted after a 5xx: any copy kept will do.
        set req.grace = 24h;
    } elsif (std.healthy(req.backend_hint)) {
        # While an app server answers, a purged or expired copy is served for 2 s at most,
        # while one background fetch brings the fresh one: readers never queue behind it.
        set req.grace = 2s;
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization || req.url ~ "^/admin/") {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken)=") {
        return (pass);
    }
    # Any other cookie (analytics, say) means nothing to Parley.
    unset req.http.Cookie;
    # Only the API answers differently by Accept (JSON, or the browsable API's HTML): one
    # stored copy per answer, not one per browser's Accept line.
    if (req.url ~ "^/api/" && req.http.Accept ~ "text/html") {
        set req.http.Accept = "text/html";
    } else {
        unset req.http.Accept;
    }
    return (hash);
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.status >= 500) {
        # Keep the copy we have: a background refresh gives up, a reader's fetch is
        # restarted on the stale copy (vcl_synth).
        return (abandon);
    }
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(?i)(private|no-store)"
        || (!beresp.http.xkey && bereq.url !~ "^/static/")) {
        # Only what the app marked for readers is stored (and the static files).
        set beresp.ttl = 10s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The TTL is the app's s-maxage (until purged, at most until midnight); after it, kept
    # to serve when no app server answers, and to revalidate (If-None-Match) against.
    set beresp.grace = 24h;
    set beresp.keep = 24h;
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.is_bgfetch) {
        # No app server for a background refresh: keep serving the copy we have.
        return (abandon);
    }
    if (bereq.url ~ "^/api/") {
        set beresp.http.Content-Type = "application/json";
        set beresp.http.Retry-After = "5";
        set beresp.http.Cache-Control = "no-store";
        synthetic({"{"detail": "Parley is unavailable for a moment. Please try again shortly." }"});
        return (deliver);
    }
}

sub vcl_deliver {
    if (resp.status >= 500 && !req.http.X-Parley-Stale
        && (req.method == "GET" || req.method == "HEAD")) {
        set req.http.X-Parley-Stale = "1";
        return (restart);
    }
    # The keys are for this edge; caches further down get the short lifetime, not ours.
    unset resp.http.xkey;
    if (resp.http.Cache-Control ~ "s-maxage=") {
        set resp.http.Cache-Control = regsub(resp.http.Cache-Control, "s-maxage=\d+", "s-maxage=10");
    }
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}

sub vcl_synth {
    if (resp.status >= 500 && !req.http.X-Parley-Stale
        && (req.method == "GET" || req.method == "HEAD")) {
        set req.http.X-Parley-Stale = "1";
        return (restart);
    }
    if (resp.status >= 500 && req.url ~ "^/api/") {
        set resp.http.Content-Type = "application/json";
        set resp.http.Retry-After = "5";
        set resp.http.Cache-Control = "no-store";
        synthetic({"{"detail": "Parley is unavailable for a moment. Please try again shortly." }"});
        return (deliver);
    }
}
