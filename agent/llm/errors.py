"""Errors of the model layer."""


class ModelError(RuntimeError):
    """The model could not answer (unreachable, timed out, refused); the message says why."""


class ModelBusy(ModelError):
    """Every model slot stayed busy longer than the configured wait."""
