"""The one error the backup tools raise for a refusal: the message is for the operator, in Chinese."""


class OpsError(Exception):
    """Stops a backup or a restore before it changed anything; ``str(error)`` says why and what to do."""
