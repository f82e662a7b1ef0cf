"""A process's few most recently used things, by name (kept reports' HTML and files)."""
import threading
from collections import OrderedDict


class Recent:
    """The most recently kept `size` things made in this process, by name."""

    def __init__(self, size):
        self.size, self.made, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, name):
        with self.lock:
            found = self.made.get(name)
            if found is not None:
                self.made.move_to_end(name)
            return found

    def keep(self, name, made):
        with self.lock:
            self.made[name] = made
            while len(self.made) > self.size:
                self.made.popitem(last=False)
        return made
