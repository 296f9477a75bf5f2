"""twenty-actors-bench: the load-test tool for twenty-actors servers (``python -m bench``)."""
