"""Reading and checking a file's rows in batches: in this process, or, for a large file, in worker processes.

Checking rows is the Python-bound part of an import (about 20 µs a row: USCC check characters, dates,
money), while this process is busy loading the staging table. For a large file, WORKERS worker
processes each read the whole file and check every WORKERS-th block of BLOCK lines; this process
only stages what they send. The order of batches does not matter: every row carries its line.

Workers are fresh interpreters (`python -m workflows.importing.batches`, orders pickled on stdin,
batches framed on stdout), not forks: the importer may run in a thread of a web worker, where forking
can leave locks held in the child, and multiprocessing's "spawn" would re-run the caller's main script.
They never touch the database and are killed whatever happens here (an exception, a cancelled run),
so a failure still leaves nothing behind. Small files are checked in-process: a worker costs a second
to start.
"""

from __future__ import annotations

import os
import pickle
import selectors
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from workflows.importing.columns import LAYOUTS, looks_like_header, resolve_header
from workflows.importing.readers import FileProblem, Table, is_blank, open_table
from workflows.importing.validate import Context, RowValidator

BLOCK = 5_000
WORKERS = 2
PARALLEL_MIN_BYTES = 16 * 1024 * 1024  # about 100,000 rows of a CSV; below that one process is quicker


@dataclass
class Batch:
    rows: list[tuple]  # staging tuples of valid rows
    problems: list[tuple]  # (line, column, value, message, severity)
    count: int  # non-blank rows read (a skipped hidden or totals row is not one: it has a notice instead)
    fraction: float  # of the file read so far


def batches(table: Table, validate: RowValidator, *, path: Path, kind: str, ctx: Context) -> Iterator[Batch]:
    if use_workers(path):
        yield from _in_workers(path, kind, ctx)
    else:
        yield from _in_process(table, validate)


def use_workers(path: Path) -> bool:
    return WORKERS > 1 and (os.cpu_count() or 1) > 1 and path.stat().st_size >= PARALLEL_MIN_BYTES


def _in_process(table: Table, validate: RowValidator, *, worker: int = 0, workers: int = 1,
                block: int = BLOCK) -> Iterator[Batch]:
    rows, problems, count = [], [], 0
    hidden = table.hidden
    for line, values in table.rows:
        if workers > 1 and (line // block) % workers != worker:
            continue  # another worker's block
        if line in hidden:
            if not is_blank(values):
                problems += validate.hidden(line, values)
            continue
        clean, bad = validate(line, values)
        if clean is not None:
            rows.append(clean)
        elif bad:
            problems += bad
            if bad[0].severity == "notice":
                continue  # a totals row: skipped, said so
        else:
            continue  # a blank row keeps its number but is not a row of the import
        count += 1
        if count % block == 0:
            yield Batch(rows, problems, count, table.fraction())
            rows, problems, count = [], [], 0
    yield Batch(rows, problems, count, table.fraction())


def _in_workers(path: Path, kind: str, ctx: Context) -> Iterator[Batch]:
    children, frames = [], selectors.DefaultSelector()
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    try:
        for worker in range(WORKERS):
            child = subprocess.Popen([sys.executable, "-m", "workflows.importing.batches"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0, env=env, cwd=root)
            child.stdin.write(pickle.dumps((str(path), kind, ctx, worker, WORKERS, BLOCK)))
            child.stdin.close()
            children.append(child)
            frames.register(child.stdout, selectors.EVENT_READ, worker)
        progress = [0.0] * WORKERS
        running = WORKERS
        while running:
            for key, _events in frames.select():
                message, payload = _receive(key.fileobj, key.data)
                if message == "done":
                    frames.unregister(key.fileobj)
                    running -= 1
                elif message == "problem":
                    raise FileProblem(payload[0], line=payload[1], column=payload[2], value=payload[3])
                elif message == "error":
                    raise RuntimeError(f"导入校验进程出错：\n{payload}")
                else:
                    progress[key.data] = payload.fraction
                    payload.fraction = min(progress)
                    yield payload
    finally:
        frames.close()
        for child in children:
            if child.poll() is None:
                child.kill()
            child.stdout.close()
            child.wait(timeout=10)


def _receive(stream, worker: int):
    head = _read_exactly(stream, 8)
    if head is None:
        raise RuntimeError(f"导入校验进程 {worker} 意外退出")
    return pickle.loads(_read_exactly(stream, int.from_bytes(head, "big")))


def _read_exactly(stream, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(out, message: str, payload) -> None:
    data = pickle.dumps((message, payload), protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(8, "big") + data)
    out.flush()


def _work() -> None:
    """A worker (`python -m workflows.importing.batches`): its orders come pickled on stdin; it opens the
    file itself, checks its own blocks and sends each batch, or what went wrong, framed on stdout."""
    out = sys.stdout.buffer
    try:
        path, kind, ctx, worker, workers, block = pickle.loads(sys.stdin.buffer.read())
        layout = LAYOUTS[kind]
        with open_table(Path(path), partial(looks_like_header, layout)) as table:
            validate = RowValidator(layout, resolve_header(layout, table.header, ctx.unit), ctx)
            for batch in _in_process(table, validate, worker=worker, workers=workers, block=block):
                _send(out, "batch", batch)
        _send(out, "done", None)
    except FileProblem as exc:
        _send(out, "problem", (exc.message, exc.line, exc.column, exc.value))
    except BrokenPipeError:  # the importing process stopped listening: it has failed or been cancelled
        pass
    except BaseException:  # noqa: BLE001 - reported to the importing process, which raises it
        _send(out, "error", traceback.format_exc())


if __name__ == "__main__":  # run by its package name, so what it pickles names this module, not __main__
    from workflows.importing.batches import _work as work

    work()
