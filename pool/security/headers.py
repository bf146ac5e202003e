"""The security headers of every response, set in one `after_request` hook.

- Content-Security-Policy: scripts, styles, images, fonts and requests from this site only, and no inline
  script, style element, style attribute or event handler anywhere (the pages keep theirs in
  pool/static/). `data:` images are allowed for Bootstrap's icons, which its stylesheet embeds as data
  URIs. Nothing may frame a page (`frame-ancestors 'none'`, and X-Frame-Options DENY for older browsers);
  forms post only to this site.
- X-Content-Type-Options nosniff, Referrer-Policy same-origin (a firm's URL never leaves the site).
- Strict-Transport-Security only where HSTS_SECONDS is set (ProductionConfig): a development server on
  plain http must not teach a browser to refuse it.

A small hook rather than Flask-Talisman: the policy is a handful of constant headers, and Talisman's last
release (2023) would add its own HTTPS redirects and session settings this app configures elsewhere.
"""

from flask import Flask

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def install_headers(app: Flask) -> None:
    hsts = int(app.config.get("HSTS_SECONDS") or 0)

    @app.after_request
    def security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
        return response
