"""The serving process freezes its start-up objects, so full garbage collections skip them (pool.serving)."""

import gc

from flask import Flask

from pool.serving import ready_to_serve


def test_start_up_objects_are_frozen_out_of_the_collector():
    app = Flask(__name__)
    try:
        assert ready_to_serve(app) is app
        assert gc.get_freeze_count() > 0
        assert not any(obj is app for obj in gc.get_objects())  # the collector no longer walks the app
    finally:
        gc.unfreeze()
