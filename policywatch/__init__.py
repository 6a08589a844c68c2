"""policywatch: monitor Chinese government policy notices.

The app package drives the stages (``crawler``, ``nlp``) that meet in ``store``.
"""

__version__ = "0.1.0"
