"""Moderation (广告管理): ad and spam signals, the Moderation rule, and undoing its steps.

``signals`` (with ``text``, ``links``, ``contacts``, ``keywords``) reads one message;
``rule`` decides with the group state; ``undo`` says what takes a step back;
``scan`` runs the rule over a stream of events without a database.
"""
