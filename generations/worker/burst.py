"""A worker for draining queues in the caller's process: tests, `bench pipeline`, the in-process soak.

rq's worker subscribes to a command channel in a thread that waits up to 60 s per read; at teardown it
stops that thread, and redis-py's stop() now waits for the read to return. When the unsubscribe reply has
already been read, that is a full minute per burst run (seen as a test's "delayed turn never came due" and a
7 s pipeline benchmark). A burst run takes no commands (it ends when the queues are empty), so it does not
subscribe; rq's own unsubscribe then has no thread to stop.
"""

from rq import SimpleWorker


class BurstWorker(SimpleWorker):
    """SimpleWorker without the command channel: for `work(burst=True)` only."""

    def subscribe(self):
        pass
