"""One Redis client per process and URL: a connection pool reused by every request and job.

(django_rq builds a fresh client, and so a fresh TCP connection, on each call.)
"""

import os

import django_rq
import redis
from django.conf import settings

_clients = {}


def redis_connection(queue_name="default") -> redis.Redis:
    url = settings.RQ_QUEUES[queue_name]["URL"]
    key = (os.getpid(), url)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30)
    return client


def get_queue(name):
    return django_rq.get_queue(name, connection=redis_connection(name))


_outages = set()


def warn_unavailable(logger, what, exc):
    """Log that Redis failed for `what` once, then quietly (debug) until it answers again: a command that
    touches many rows without Redis prints one line, not one per row."""
    if what in _outages:
        logger.debug("%s (Redis unavailable): %s", what, exc)
        return
    _outages.add(what)
    logger.warning("%s (Redis unavailable; further failures are not repeated until it answers): %s", what, exc)


def redis_answered(what):
    """Redis answered for `what`: the next failure is worth a warning again."""
    _outages.discard(what)

