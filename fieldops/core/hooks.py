"""Calls from a lower package up to a feature above it, which registers them at app start.

A package imports only the packages below it (tests/test_package_layers.py). When a
lower package's work must reach a feature above (a visit changed: the progress
timeline follows, in the same transaction), it calls the hook by name, and the
feature registers the function in create_app. An unregistered hook is an error,
not a silent no-op: the work it stands for would be lost.
"""
_registered = {}
_called = set()  # the names lower packages call


def register(name: str, function) -> None:
    _registered[name] = function


def call(name: str, *args, **kwargs):
    return _registered[name](*args, **kwargs)


def hook(name: str):
    """The hook as a function of the caller's module, looked up when called
    (registration comes later, at app start)."""
    _called.add(name)

    def call_hook(*args, **kwargs):
        return call(name, *args, **kwargs)

    call_hook.__name__ = name
    return call_hook


def unregistered() -> set[str]:
    """The hooks some module calls and no feature registered (after create_app: none)."""
    return _called - _registered.keys()
