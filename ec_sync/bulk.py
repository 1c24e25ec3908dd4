"""Run one blocking operation over many items: ``ec_async.bulk`` for the sync facade.

``bulk.run(ec.devices.get, device_ids, concurrency=32)`` returns a ``Report``
of per-item ``Result``\\ s; ``bulk.stream(...)`` yields each result as it
completes. The operation is any callable, usually a method of an
``ec_sync.Client`` or a function of yours that makes several calls; up to
``concurrency`` of them run at once on worker threads, and all share the
client's one event loop. One item's ``ECError`` does not stop the others
unless ``fail_fast=True``.

Written by hand: the generator translates methods, and these functions take
the caller's own callables, which it cannot translate.
"""

from ec_async.bulk import DEFAULT_CONCURRENCY, Progress, Report, Result

from ._bulk import run, stream

__all__ = ["DEFAULT_CONCURRENCY", "Progress", "Report", "Result", "run", "stream"]
