"""Accessibility fixes for Datasette 0.65's own pages (found by axe-core in tests/test_accessibility.py).

- Our stylesheet on every page (extra_css_urls), which darkens Datasette's blue buttons to meet the
  WCAG AA contrast ratio.
- `<html lang="en">`: Datasette's base template has no lang attribute; screen readers need it to pick
  a voice. Added to HTML responses as they are sent (the base template has no block for the tag).
- Accessible names for the table page's filter controls, which Datasette renders without labels.
"""
from datasette import hookimpl


@hookimpl
def extra_css_urls():
    return ["/assets/site.css"]


@hookimpl
def extra_body_script():
    return """
document.querySelectorAll('form.filters .filter-row').forEach(function (row, i) {
  var n = i + 1;
  var col = row.querySelector('select[name^="_filter_column"]');
  var op = row.querySelector('select[name^="_filter_op"]');
  var val = row.querySelector('input.filter-value');
  if (col && !col.getAttribute('aria-label')) col.setAttribute('aria-label', 'Filter ' + n + ': column');
  if (op && !op.getAttribute('aria-label')) op.setAttribute('aria-label', 'Filter ' + n + ': operator');
  if (val && !val.getAttribute('aria-label')) val.setAttribute('aria-label', 'Filter ' + n + ': value');
});
document.querySelectorAll('select[name="_sort"], select[name="_sort_by_desc"], input[name="_sort_by_desc"]').forEach(function (el) {
  if (!el.getAttribute('aria-label')) el.setAttribute('aria-label', 'Sort by');
});
"""


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_lang(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            state = {"html": False, "done": False}

            async def send_with_lang(message):
                if message["type"] == "http.response.start":
                    headers = dict((k.lower(), v) for k, v in message.get("headers", []))
                    state["html"] = headers.get(b"content-type", b"").startswith(b"text/html")
                    if state["html"]:
                        # The body grows by a few bytes: drop Content-Length and let the server chunk it.
                        message = {**message, "headers": [(k, v) for k, v in message.get("headers", [])
                                                          if k.lower() != b"content-length"]}
                elif message["type"] == "http.response.body" and state["html"] and not state["done"]:
                    body = message.get("body", b"")
                    if b"<html>" in body[:200]:
                        message = {**message, "body": body.replace(b"<html>", b'<html lang="en">', 1)}
                        state["done"] = True
                    elif body:
                        state["done"] = True
                await send(message)
            return await app(scope, receive, send_with_lang)
        return with_lang
    return wrap
