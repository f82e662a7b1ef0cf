"""What runs a job of each kind. A feature registers its handlers when its
module is imported (fieldops/reviews/jobs.py, imported by create_app):

    @handler("dossier.render")
    def render(job, report):   # report(progress 0–100, note) shows progress
        ...
        return {"dossier_id": dossier.id}   # stored as the job's result

A handler reads and writes through db.session as usual; the worker commits
its changes together with the job's "done", or rolls them back and marks the
job failed. Progress is written on a connection of its own, so it is seen
while the job runs: a handler should therefore write only at its end (on
SQLite a writer holds the whole database).
"""
HANDLERS = {}


def handler(kind):
    def register(fn):
        HANDLERS[kind] = fn
        return fn

    return register


def handler_for(kind):
    return HANDLERS.get(kind)
