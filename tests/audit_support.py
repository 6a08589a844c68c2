"""Running ``policywatch ARGS`` under an audit hook that records every file read.

``python -c AUDITED_RUN LOG ARGS...`` runs the CLI in this process with a
:func:`sys.addaudithook` hook on ``open``, ``os.listdir`` and ``os.scandir`` (installed
before policywatch is imported, so imports count too) and writes to LOG a JSON object:
``opened`` (``[event, absolute path]`` pairs), ``packages`` (the folders of
``policywatch`` and its mapped sub-packages in that interpreter) and ``code`` (the exit
status).
"""

AUDITED_RUN = r"""
import json, os, sys
opened, busy = [], [False]

def hook(event, args):
    if busy[0] or event not in ("open", "os.listdir", "os.scandir"):
        return
    busy[0] = True
    try:
        path = args[0] if args else None
        if isinstance(path, (str, bytes, os.PathLike)):
            opened.append([event, os.path.abspath(os.fsdecode(path))])
    finally:
        busy[0] = False

sys.addaudithook(hook)
code = 0
try:
    from policywatch.cli import cli
    cli.main(sys.argv[2:], prog_name="policywatch")  # standalone: always SystemExit
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
except BaseException as exc:
    import traceback
    traceback.print_exc()
    code = 1
busy[0] = True
import policywatch, policywatch.crawler, policywatch.nlp, policywatch.store
packages = [p for m in (policywatch, policywatch.crawler, policywatch.nlp, policywatch.store)
            for p in m.__path__]
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    json.dump({"opened": opened, "packages": packages, "code": code}, handle)
"""
