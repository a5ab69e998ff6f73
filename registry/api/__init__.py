"""The JSON API under /api/v1/, described by the OpenAPI document at /api/v1/openapi.json.

Operations call the same services as the forms, so every rule and the audit trail apply;
errors answer in one JSON shape (see `errors`).
"""
