"""One module per command group; :data:`ALL_COMMANDS` is what the CLI registers."""

from policywatch.commands.importing import import_command
from policywatch.commands.pending import PENDING_COMMANDS

ALL_COMMANDS = [import_command, *PENDING_COMMANDS]
