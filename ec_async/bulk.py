"""Run one async operation over many items: devices, accounts, scopes, anything.

``await bulk.run(ec.devices.get, device_ids, concurrency=32)`` returns a
``Report`` of per-item ``Result``\\ s; ``bulk.stream(...)`` yields each result as
it completes. One item's ``ECError`` does not stop the others unless
``fail_fast=True``, and cancelling either stops every operation in flight.
A client-wide request rate (``Client(rate_limit=...)``) applies to everything
they send.
"""

from ._bulk import DEFAULT_CONCURRENCY, Progress, Report, Result, run, stream

__all__ = ["DEFAULT_CONCURRENCY", "Progress", "Report", "Result", "run", "stream"]
