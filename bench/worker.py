"""One load process of ``--processes N``: reads its part (msgpack) on stdin, writes its samples on stdout."""

from __future__ import annotations

import sys

import msgspec
import trio


def main() -> None:
    from .runner import part_from_wire, recorder_to_wire, run_part_here
    from .scenarios import SCENARIOS

    job = msgspec.msgpack.decode(sys.stdin.buffer.read())
    scenario = SCENARIOS[job["scenario"]]()
    part = part_from_wire(job["part"])
    rec, cpu = trio.run(run_part_here, scenario, job["plan"], part)
    sys.stdout.buffer.write(msgspec.msgpack.encode({"ops": recorder_to_wire(rec), "cpu": cpu}))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
