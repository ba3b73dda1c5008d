"""`GET /docs`: the Swagger UI, at a pinned version whose files the browser checks against their
hashes (Subresource Integrity), under a Content Security Policy that lets the page load nothing
else. A CDN that served other code would be refused."""

import json

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

SWAGGER_UI = "5.36.0"
CDN = f"https://cdn.jsdelivr.net/npm/swagger-ui-dist@{SWAGGER_UI}"
SCRIPT = "sha384-fUpRgC19yPykTqzdrUbdAg8NTiu16NEKf9U12J+IJWCg8/1mEI8f2+PEIz60Wyd+"
STYLES = "sha384-z/AtSaOHGn5MJ5auAHXUypohywlIWLBZo1jeGmhdpVIbCnFhxAH92cwdV41oyINc"
"""The hashes of swagger-ui-bundle.js and swagger-ui.css of npm's swagger-ui-dist at that
version, which jsDelivr serves (`openssl dgst -sha384 -binary FILE | openssl base64 -A`)."""
POLICY = (
    "default-src 'none'; script-src 'self' https://cdn.jsdelivr.net; "
    "style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'"
)
"""The page's own scripts and the CDN's checked ones; Swagger UI sets inline styles."""
PAGE = """<!DOCTYPE html>
<html>
<head>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="{cdn}/swagger-ui.css" integrity="{css}" crossorigin="anonymous">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{cdn}/swagger-ui-bundle.js" integrity="{js}" crossorigin="anonymous"></script>
<script src="{docs}/init.js"></script>
</body>
</html>
"""
INIT = """SwaggerUIBundle({
  url: %s,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


def install_docs(app: FastAPI, docs_url: str | None, openapi_url: str | None) -> None:
    """The docs at `docs_url`, reading the document at `openapi_url`; neither when either is
    off. FastAPI's own docs are off (`docs_url=None`)."""
    if not docs_url or not openapi_url:
        return
    headers = {"Content-Security-Policy": POLICY}
    page = PAGE.format(
        cdn=CDN,
        css=STYLES,
        js=SCRIPT,
        title=app.title,
        docs=docs_url,
    )
    init = INIT % json.dumps(openapi_url)  # a JavaScript string, quoted and escaped

    async def docs(_: Request) -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    async def docs_script(_: Request) -> Response:
        return Response(init, media_type="text/javascript", headers=headers)

    app.add_route(docs_url, docs, include_in_schema=False)
    app.add_route(f"{docs_url}/init.js", docs_script, include_in_schema=False)
