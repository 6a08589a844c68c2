"""The web app that ``policywatch serve`` runs: Starlette routes, Jinja2 templates, uvicorn.

- :mod:`~policywatch.web.state`: what is loaded once (model, dictionary, index) and one
  SQLite connection per worker thread;
- :mod:`~policywatch.web.pages`: one document per page, the data a template renders and
  ``/api/...`` returns as JSON;
- :mod:`~policywatch.web.chart`: thresholds over time as server-rendered SVG;
- :mod:`~policywatch.web.subscribe`: subscriptions from the browser, targets masked;
- :mod:`~policywatch.web.security`: the token, sessions, CSRF and security headers;
- :mod:`~policywatch.web.app`: the routes; :mod:`~policywatch.web.openapi`: their
  description; :mod:`~policywatch.web.server`: uvicorn on a bound socket;
  :mod:`~policywatch.web.bench`: ``/api/search`` timed over HTTP.

Importing this package is cheap: Starlette, Jinja2 and uvicorn load with the app.
"""
