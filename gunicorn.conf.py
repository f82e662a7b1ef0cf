"""gunicorn's settings for FieldOps, read from the working directory by
`gunicorn wsgi:app`; flags on the command line override them (README,
"Running at national scale")."""
import gc

# The longest synchronous requests (a province's XLSX export or printed report)
# fit; anything longer goes to the job worker.
timeout = 120
graceful_timeout = 30


def post_worker_init(worker):
    # The app is loaded: what lives now lives as long as the worker. Frozen, it
    # is left out of the collector's full passes, which otherwise walk its
    # ~150,000 objects (a 140 ms pause every few hundred requests).
    gc.collect()
    gc.freeze()
