"""Security headers on every response.

The Content-Security-Policy is as strict as the plugins we ship allow: everything comes from this
site (the map tiles too, via datasette-tiles), so no third-party origin is allowed anywhere.
Inline scripts and styles are allowed because Datasette's own pages and datasette-cluster-map
configure themselves inline; 'unsafe-eval' because Vega (datasette-vega) compiles chart expressions
with Function(). Nothing from the data can become a script: Datasette escapes every value, and
plugins/safe_links.py only links http(s) URLs.
"""
from datasette import hookimpl

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
]


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_headers(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)

            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    names = {name for name, _ in HEADERS}
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                    message = {**message, "headers": headers + HEADERS}
                await send(message)
            return await app(scope, receive, send_with_headers)
        return with_headers
    return wrap
