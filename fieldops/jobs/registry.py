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
# What the worker does between jobs, fn(app) → how much it did (fieldops/progress/snapshots.py).
CHORES = []
# kind → fn(job) → (url, label) of what a finished job produced, for its page.
LINKS = {}
# kind → fn(job) → what the job is, in words, for its page.
TITLES = {}


def handler(kind, title=None, link=None):
    def register(fn):
        HANDLERS[kind] = fn
        if title is not None:
            TITLES[kind] = title
        if link is not None:
            LINKS[kind] = link
        return fn

    return register


def chore(fn):
    CHORES.append(fn)
    return fn


def handler_for(kind):
    return HANDLERS.get(kind)


def title_of(job) -> str:
    fn = TITLES.get(job.kind)
    return fn(job) if fn else job.kind


def link_of(job):
    fn = LINKS.get(job.kind)
    return fn(job) if fn and job.result else None
