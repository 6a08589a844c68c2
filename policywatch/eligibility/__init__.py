"""Eligibility: does a company qualify under the criteria policywatch extracted, under
which version, and what changed for it.

Why in the app and not in ``nlp``: the check reads the store (each measure's versions,
their dates, attachments and repeals), serves the CLI and the web app, and feeds the
alerts (``eligibility_changed``); extraction and linking never need it. Its one pure part,
criteria against figures, is :mod:`~policywatch.eligibility.rules`, which imports nothing
of the project but the rule names; nothing else here is imported by ``nlp`` or ``store``.

Modules, in the order data flows:

- :mod:`~policywatch.eligibility.profiles`: company profiles from TOML, JSON or CSV
  (written amounts such as ``1500万`` included) and which regions a measure covers;
- :mod:`~policywatch.eligibility.rules`: pure; how a tier's criteria combine (required,
  alternative routes, band tables) and their three-valued evaluation;
- :mod:`~policywatch.eligibility.versions`: each measure's versions from the store and
  the one in force on a date;
- :mod:`~policywatch.eligibility.check`: :func:`~policywatch.eligibility.check.check_profile`
  (the library call behind ``policywatch check`` and the web app's ``/api/check``) and
  :func:`~policywatch.eligibility.check.check_many` (CSV);
- :mod:`~policywatch.eligibility.changes`: status flips of ``subscribe --profile``
  subscriptions, recorded as events by :mod:`policywatch.alerts.events`;
- :mod:`~policywatch.eligibility.words`: statuses, results and criteria for people;
- :mod:`~policywatch.eligibility.bench`: ``policywatch bench check``.

Importing this package is cheap; each module loads what it needs.
"""
