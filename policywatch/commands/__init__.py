"""One module per command group; :data:`ALL_COMMANDS` is what the CLI registers."""

from policywatch.commands.alerts import alerts, feed, notify, serve, subscribe, watch
from policywatch.commands.bench import bench
from policywatch.commands.crawl import crawl, parse
from policywatch.commands.demo import demo
from policywatch.commands.extract import extract_command
from policywatch.commands.importing import import_command
from policywatch.commands.lineage import diff, lineage
from policywatch.commands.process import process
from policywatch.commands.search import models, search

ALL_COMMANDS = [
    demo,
    crawl,
    parse,
    import_command,
    extract_command,
    process,
    lineage,
    diff,
    bench,
    search,
    models,
    alerts,
    subscribe,
    notify,
    feed,
    serve,
    watch,
]
